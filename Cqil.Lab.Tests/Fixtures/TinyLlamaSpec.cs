namespace Cqil.Lab.Tests.Fixtures;

/// <summary>The shape of a tiny random LLaMA-family model written by tests.</summary>
public sealed record TinyLlamaSpec
{
    public int Vocab { get; init; } = 97;
    public int Hidden { get; init; } = 32;
    public int Intermediate { get; init; } = 72;
    public int Layers { get; init; } = 3;
    public int Heads { get; init; } = 4;
    public int KvHeads { get; init; } = 2;
    public string ModelType { get; init; } = "llama";
    public bool QkvBias { get; init; }
    public bool Tied { get; init; }

    /// <summary>Store a tied embedding only as lm_head.weight (as TinyStories-656K does).</summary>
    public bool TiedStoredAsHead { get; init; }

    public double RopeTheta { get; init; } = 10000.0;

    /// <summary>Llama-3 rope scaling: factor, low, high, original max positions; null for none.</summary>
    public (double Factor, double Low, double High, int Original)? Llama3Scaling { get; init; }

    public int MaxPositions { get; init; } = 256;
    public double RmsNormEps { get; init; } = 1e-5;

    public int HeadDim => Hidden / Heads;
}
