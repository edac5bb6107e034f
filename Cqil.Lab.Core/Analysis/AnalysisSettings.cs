using Cqil.Lab.Core.Cqil;

namespace Cqil.Lab.Core.Analysis;

/// <summary>How an analysis runs; part of its cache key.</summary>
public sealed record AnalysisSettings
{
    /// <summary>Samples per forward pass.</summary>
    public int BatchSize { get; init; } = 8;

    /// <summary>Leave the BOS position out of the statistics (its states are attention-sink outliers).</summary>
    public bool ExcludeBos { get; init; } = true;

    /// <summary>How a plan's groups are computed while states are captured.</summary>
    public ExecutionMode Mode { get; init; } = ExecutionMode.Reference;

    public void Validate()
    {
        if (BatchSize < 1)
        {
            throw new InvalidInputException($"batch size must be at least 1, got {BatchSize}");
        }
    }
}

/// <summary>Where an analysis is: batches done of the total, tokens counted so far.</summary>
public sealed record AnalysisProgress(int BatchesDone, int BatchesTotal, long Tokens);
