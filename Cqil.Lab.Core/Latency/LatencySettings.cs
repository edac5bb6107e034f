namespace Cqil.Lab.Core.Latency;

/// <summary>What a latency measurement runs: the shape of the request and how often it is repeated.</summary>
public sealed record LatencySettings
{
    /// <summary>Prompt tokens per sequence (the prefill).</summary>
    public int PromptLength { get; init; } = 128;

    public int Batch { get; init; } = 1;

    /// <summary>Tokens decoded one at a time after the prefill, each timed.</summary>
    public int DecodeTokens { get; init; } = 32;

    /// <summary>Untimed repetitions before measuring (each runner).</summary>
    public int Warmup { get; init; } = 2;

    /// <summary>Timed repetitions (each runner; runners alternate within every repetition).</summary>
    public int Repetitions { get; init; } = 10;

    /// <summary>libtorch thread counts tried for each runner; the fastest is used and recorded. Empty = 1 … cores.</summary>
    public IReadOnlyList<int> ThreadCandidates { get; init; } = [];

    /// <summary>Seed of the prompt token ids.</summary>
    public int Seed { get; init; } = 1;

    public IReadOnlyList<int> Candidates() => ThreadCandidates.Count > 0 ? ThreadCandidates : Enumerable.Range(1, Environment.ProcessorCount).ToArray();

    public void Validate()
    {
        if (PromptLength < 1 || Batch < 1 || DecodeTokens < 0 || Warmup < 0 || Repetitions < 2)
        {
            throw new InvalidInputException($"latency settings need prompt length >= 1, batch >= 1, decode tokens >= 0, warm-up >= 0 and at least 2 repetitions (got {PromptLength}, {Batch}, {DecodeTokens}, {Warmup}, {Repetitions})");
        }
        if (ThreadCandidates.Any(t => t < 1))
        {
            throw new InvalidInputException("thread counts must be at least 1");
        }
    }
}

/// <summary>Where a latency run is.</summary>
public sealed record LatencyProgress(string Phase, int Done, int Total);
