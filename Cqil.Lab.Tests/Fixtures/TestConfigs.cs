using Cqil.Lab.Core.Model;

namespace Cqil.Lab.Tests.Fixtures;

/// <summary>Model shapes several test classes share for random models.</summary>
public static class TestConfigs
{
    /// <summary>A 3-layer, hidden-48 model with grouped-query attention (6 query heads over 2 key/value heads).</summary>
    public static LlamaConfig GroupedQuery(int maxPositions) => new()
    {
        VocabSize = 101, HiddenSize = 48, IntermediateSize = 96, NumLayers = 3, NumHeads = 6, NumKvHeads = 2, HeadDim = 8, MaxPositions = maxPositions,
    };

    /// <summary>A 6-layer, hidden-32 model, small enough that latency studies of it take milliseconds.</summary>
    public static LlamaConfig SixLayers => new()
    {
        VocabSize = 64, HiddenSize = 32, IntermediateSize = 64, NumLayers = 6, NumHeads = 4, NumKvHeads = 2, HeadDim = 8, MaxPositions = 128,
    };
}
