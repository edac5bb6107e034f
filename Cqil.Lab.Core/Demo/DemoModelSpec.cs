using Cqil.Lab.Core.Model;

namespace Cqil.Lab.Core.Demo;

/// <summary>
/// The shape of the demo model: a small LLaMA (pre-norm, RoPE, SwiGLU, tied embeddings) that is deep for its
/// width, so the residual stream changes a little per layer, as in the large models CQIL targets, and trains in
/// minutes on two CPU cores.
/// </summary>
public sealed record DemoModelSpec
{
    /// <summary>Longest sequence the model is made for; demo stories use about 150 tokens.</summary>
    public const int MaxPositions = 256;

    public int Layers { get; init; } = 12;
    public int Hidden { get; init; } = 128;
    public int Heads { get; init; } = 4;
    public int Intermediate { get; init; } = 384;

    public LlamaConfig Config(int vocabSize) => new()
    {
        ModelType = "llama",
        VocabSize = vocabSize,
        HiddenSize = Hidden,
        IntermediateSize = Intermediate,
        NumLayers = Layers,
        NumHeads = Heads,
        NumKvHeads = Heads,
        HeadDim = Hidden / Heads,
        RmsNormEps = 1e-5,
        RopeTheta = 10000,
        MaxPositions = MaxPositions,
        TieWordEmbeddings = true,
        BosTokenId = 1,
        EosTokenIds = [2],
    };

    public void Validate()
    {
        if (Layers < 1 || Hidden < 2 || Heads < 1 || Intermediate < 1 || Hidden % Heads != 0 || Hidden / Heads % 2 != 0)
        {
            throw new InvalidInputException($"demo model shape: layers {Layers}, hidden {Hidden}, heads {Heads}, intermediate {Intermediate} (hidden must split into heads of even size)");
        }
    }
}
