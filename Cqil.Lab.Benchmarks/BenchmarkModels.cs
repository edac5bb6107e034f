using Cqil.Lab.Core.Model;

namespace Cqil.Lab.Benchmarks;

/// <summary>The shape of the random LLaMAs the benchmarks measure: 64-wide heads, no grouped-query sharing, FFN ≈ 2.75 × hidden.</summary>
public static class BenchmarkModels
{
    public static LlamaConfig Config(int hidden, int layers, int vocab = 4096, int maxPositions = 2048) => new()
    {
        VocabSize = vocab, HiddenSize = hidden, IntermediateSize = hidden * 11 / 4 / 64 * 64, NumLayers = layers,
        NumHeads = hidden / 64, NumKvHeads = hidden / 64, HeadDim = 64, MaxPositions = maxPositions,
    };
}
