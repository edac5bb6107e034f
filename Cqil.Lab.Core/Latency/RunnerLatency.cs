namespace Cqil.Lab.Core.Latency;

/// <summary>
/// One runner's measured latency (the baseline, or a plan in one execution mode): prefill time to first
/// token and per-token decode time, with the libtorch thread counts that were fastest for it.
/// </summary>
public sealed record RunnerLatency
{
    public required string Label { get; init; }

    /// <summary>"baseline", "reference", "fused" or "concurrent": how the numbers were obtained.</summary>
    public required string Mode { get; init; }

    public required string Plan { get; init; }

    public required int PrefillThreads { get; init; }
    public required int DecodeThreads { get; init; }

    /// <summary>Time to first token: the prompt's forward pass and the first token's choice, ms.</summary>
    public required LatencyStatistics Prefill { get; init; }

    /// <summary>Per decoded token, ms (every token of every repetition).</summary>
    public required LatencyStatistics DecodePerToken { get; init; }

    /// <summary>Mean per-token decode time of each repetition (what the speedup pairs across runners), ms.</summary>
    public required double[] DecodeMeanPerRepetition { get; init; }

    public required double PrefillTokensPerSecond { get; init; }
    public required double DecodeTokensPerSecond { get; init; }

    /// <summary>The plan's ideal reduction of sequential layer steps (0 for the baseline).</summary>
    public double IdealReduction { get; init; }

    /// <summary>Baseline time / this runner's time, with a paired bootstrap interval; null for the baseline and for reference mode.</summary>
    public SpeedupEstimate? PrefillSpeedup { get; init; }
    public SpeedupEstimate? DecodeSpeedup { get; init; }

    /// <summary>Measured reduction / ideal reduction; null where no speedup is claimed.</summary>
    public double? PrefillRealized { get; init; }
    public double? DecodeRealized { get; init; }

    /// <summary>Why no speedup is reported, when none is.</summary>
    public string? SpeedupNote { get; init; }
}

/// <summary>A thread count tried for a runner and what it measured (median ms): a plan's in the short trial before the rounds, the baseline's over the measured rounds.</summary>
public sealed record ThreadTrial(string Runner, int Threads, double PrefillMs, double DecodeMsPerToken);
