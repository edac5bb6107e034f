using Cqil.Lab.Core.Model;

namespace Cqil.Lab.Core.Evaluation;

/// <summary>
/// The arithmetic a scoring computation needs, without padding, in multiply-accumulates: the layers' matrix
/// products for every position computed, attention (each position's query against every key it may see, scores
/// and weighted values), and the head for every position whose logits are read. Norms, rotary and softmax are
/// left out (linear in positions, a few percent at most). Two computations' ratio bounds the speedup one can
/// have over the other at equal efficiency — for shared-context scoring, how much sharing can save at all.
/// </summary>
public sealed record ScoringWork(long Positions, double LinearMacs, double AttentionMacs, double HeadMacs)
{
    public double TotalMacs => LinearMacs + AttentionMacs + HeadMacs;

    public static ScoringWork None { get; } = new(0, 0, 0, 0);

    public static ScoringWork operator +(ScoringWork a, ScoringWork b) =>
        new(a.Positions + b.Positions, a.LinearMacs + b.LinearMacs, a.AttentionMacs + b.AttentionMacs, a.HeadMacs + b.HeadMacs);

    /// <summary>
    /// <paramref name="tokens"/> new positions after <paramref name="past"/> cached ones (position j sees past + j
    /// keys, itself included), with logits read at <paramref name="targets"/> of them.
    /// </summary>
    public static ScoringWork Pass(LlamaConfig config, long past, long tokens, long targets)
    {
        long h = config.HiddenSize, q = config.QueryDim, kv = config.KvDim, inner = config.IntermediateSize;
        double perPosition = config.NumLayers * (double)(h * (q + 2 * kv) + q * h + h * 2 * inner + inner * h);
        double keys = tokens * (double)past + tokens * (tokens + 1) / 2.0;
        return new ScoringWork(tokens, tokens * perPosition, config.NumLayers * 2.0 * q * keys, targets * (double)config.VocabSize * h);
    }
}
