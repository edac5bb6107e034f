namespace Cqil.Lab.Core.Evaluation;

/// <summary>What to score and how: the item subset, scoring batches, and what to record about the run.</summary>
public sealed record EvaluationOptions
{
    /// <summary>Score only this many items (null: all). Without <see cref="LimitSeed"/>, the first N, as lm-eval's --limit.</summary>
    public int? Limit { get; init; }

    /// <summary>With a limit: a seeded random subset of N items instead of the first N (kept in file order).</summary>
    public ulong? LimitSeed { get; init; }

    /// <summary>Solved examples in front of every item (multiple-choice tasks; see <see cref="FewShotContext"/>).</summary>
    public int NumFewShot { get; init; }

    /// <summary>Seed of the examples' draw (lm-eval's default fewshot_seed).</summary>
    public ulong FewShotSeed { get; init; } = FewShotContext.DefaultSeed;

    public ScoringOptions Scoring { get; init; } = new();

    /// <summary>Path and SHA-256 of the CQIL plan the model ran under, and the executor mode (null: baseline).</summary>
    public string? PlanPath { get; init; }

    public string? PlanSha256 { get; init; }

    public string? Mode { get; init; }

    public void Validate()
    {
        if (Limit is < 1)
        {
            throw new InvalidInputException($"--limit must be at least 1, got {Limit}");
        }
        if (NumFewShot < 0)
        {
            throw new InvalidInputException($"--num-fewshot must be 0 or more, got {NumFewShot}");
        }
        Scoring.Validate();
    }
}
