namespace Cqil.Lab.Core.Jobs;

/// <summary>
/// How much one user may ask of a shared lab. Sizes are checked when a job is submitted (a 400 with a message
/// naming the setting); the queue limit is checked by the queue (a 429).
/// </summary>
public sealed record JobLimits
{
    /// <summary>Jobs one user may have queued or running at once (a run counts each of its jobs).</summary>
    public int QueuedJobsPerUser { get; init; } = 20;

    /// <summary>Upper bound on the token positions one job may push through a model (<see cref="JobCost"/>).</summary>
    public long TokensPerJob { get; init; } = 5_000_000;

    /// <summary>Samples one similarity analysis may read.</summary>
    public int SamplesPerAnalysis { get; init; } = 512;

    /// <summary>Refuses a spec over the size limits; <paramref name="cost"/> is its <see cref="JobCost.Tokens"/>.</summary>
    public void CheckSize(JobSpec spec, long cost)
    {
        if (spec is AnalysisJobSpec a && a.Samples > SamplesPerAnalysis)
        {
            throw new InvalidInputException($"{a.Samples} samples is over this lab's limit of {SamplesPerAnalysis} samples per analysis (Lab:Limits:SamplesPerAnalysis)");
        }
        if (cost > TokensPerJob)
        {
            throw new InvalidInputException($"this {JobKinds.Name(spec.Kind)} job would compute up to {cost:N0} token positions, over this lab's limit of {TokensPerJob:N0} per job (Lab:Limits:TokensPerJob): {JobCost.Explain(spec)}");
        }
    }
}

/// <summary>
/// The size of a job in token positions pushed through the model, an upper bound known before it runs:
/// <list type="bullet">
/// <item>analysis: samples × sequence length;</item>
/// <item>evaluation: items × systems (baseline + plans) × the model's context length (no document is longer);</item>
/// <item>latency: systems (baseline + modes) × (warm-up + repetitions) × batch × (prompt + decode tokens) × thread counts tried;</item>
/// <item>generation: systems (baseline, and the plan if any) × (prompt bytes + new tokens) — a token covers at least one byte.</item>
/// </list>
/// </summary>
public static class JobCost
{
    /// <param name="contextLength">The model's maximum positions.</param>
    /// <param name="evaluationItems">Items an evaluation will score (its limit, or the task's item count).</param>
    public static long Tokens(JobSpec spec, int contextLength, int evaluationItems = 0) => spec switch
    {
        AnalysisJobSpec a => (long)a.Samples * a.SequenceLength,
        EvaluationJobSpec e => (long)evaluationItems * (1 + e.Plans.Count) * contextLength,
        LatencyJobSpec l => (1L + l.Modes.Count) * (l.Settings.Warmup + l.Settings.Repetitions) * l.Settings.Batch
            * (l.Settings.PromptLength + l.Settings.DecodeTokens) * Math.Max(1, l.Settings.Candidates().Count),
        GenerationJobSpec g => (g.Plan is null ? 1L : 2L) * (System.Text.Encoding.UTF8.GetByteCount(g.Prompt) + g.MaxNewTokens),
        _ => 0,
    };

    /// <summary>The formula in words, for messages.</summary>
    public static string Explain(JobSpec spec) => spec switch
    {
        AnalysisJobSpec => "samples × sequence length",
        EvaluationJobSpec => "items × systems × the model's context length; lower the item limit",
        LatencyJobSpec => "systems × (warm-up + repetitions) × batch × (prompt + decode tokens) × thread counts tried",
        GenerationJobSpec => "systems × (prompt bytes + new tokens)",
        _ => "",
    };
}

/// <summary>A user already has as many jobs waiting or running as the lab allows (HTTP 429): wait for some to finish.</summary>
public sealed class QueueLimitException(string message) : Exception(message);
