using System.Diagnostics;
using Cqil.Lab.Core.Model;
using Cqil.Lab.Core.Tokenization;

namespace Cqil.Lab.Core.Evaluation;

/// <summary>
/// Runs a task on an <see cref="ICausalLm"/> (the baseline or a CQIL plan): picks the items, tokenizes their
/// requests the lm-eval way, scores them with <see cref="LoglikelihoodScorer"/>, and aggregates per-item
/// results into metrics with their statistics. Runs on the calling thread (the model's device worker).
/// </summary>
public static class TaskEvaluator
{
    public static EvaluationRun Run(ICausalLm lm, TextTokenizer tokenizer, EvalTask task, EvaluationOptions? options = null,
        IProgress<EvaluationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        options ??= new EvaluationOptions();
        options.Validate();
        var clock = Stopwatch.StartNew();
        var items = ItemSelection.Select(task.Items, options.Limit, options.LimitSeed);
        var encoder = new RequestEncoder(tokenizer);
        var scorer = new LoglikelihoodScorer(lm, options.Scoring);

        // Every item becomes one or more groups of token requests (rolling windows are groups of their own).
        var groups = new List<IReadOnlyList<TokenRequest>>();
        var owner = new List<int>();
        foreach (var (item, position) in items.Select((item, i) => (item, i)))
        {
            foreach (var group in Requests(item, encoder, scorer.MaxLength))
            {
                groups.Add(group);
                owner.Add(position);
            }
        }
        int total = groups.Sum(g => g.Count);
        var scores = scorer.Score(groups, done => progress?.Report(new EvaluationProgress(done, total, clock.Elapsed)), cancellationToken);

        var perItem = new List<RequestScore[]>[items.Count];
        for (int g = 0; g < groups.Count; g++)
        {
            (perItem[owner[g]] ??= []).Add(scores[g]);
        }
        var results = items.Select((item, i) => Result(item, perItem[i] ?? [])).ToArray();
        var metrics = TaskMetrics.Compute(task, results);
        Runtime.TorchRuntime.Synchronize(lm.Model.Device);
        double seconds = clock.Elapsed.TotalSeconds;

        var result = new EvaluationResult
        {
            Task = new EvaluationResult.TaskInfo(task.Name, task.Format, task.TaskHash, task.Sources, task.Items.Count, items.Count, options.Limit, options.Limit is null ? null : options.LimitSeed),
            Model = new EvaluationResult.ModelInfo(lm.Model.Identity, lm.Label, ModelDtype.Name(lm.Model.Dtype), lm.Model.Device.ToString()),
            Plan = options.PlanPath is null && options.Mode is null ? null : new EvaluationResult.PlanInfo(options.PlanPath, options.PlanSha256, options.Mode),
            Scoring = new EvaluationResult.ScoringInfo(options.Scoring.Mode == ScoringMode.SharedPrefix ? "shared-prefix" : "independent",
                options.Scoring.BatchSize, scorer.MaxLength, total, scorer.Forwards, scorer.TokensComputed),
            Metrics = metrics,
            Timing = new EvaluationResult.TimingInfo(seconds, items.Count / Math.Max(seconds, 1e-9)),
        };
        return new EvaluationRun(result, results);
    }

    /// <summary>The token request groups of one item: one group per document, one per rolling window for perplexity.</summary>
    public static IEnumerable<IReadOnlyList<TokenRequest>> Requests(EvalItem item, RequestEncoder encoder, int maxLength) => item switch
    {
        MultipleChoiceItem mc => [mc.Requests.Select(encoder.Encode).ToArray()],
        LastWordItem lw => [[encoder.Encode(lw.Context, lw.Target)]],
        PerplexityDocument doc => RollingWindows.For(encoder.Encode(doc.Text), encoder.EndOfText, maxLength).Select(w => (IReadOnlyList<TokenRequest>)[w]),
        _ => throw new ArgumentException($"unknown item type {item.GetType().Name}"),
    };

    private static ItemResult Result(EvalItem item, List<RequestScore[]> groups) => item switch
    {
        MultipleChoiceItem mc => new MultipleChoiceResult(mc.Index, mc.Id, mc.Gold,
            groups[0].Select(s => s.LogLikelihood).ToArray(), groups[0].Select(s => s.IsGreedy).ToArray(), groups[0].Select(s => s.Tokens).ToArray(),
            mc.Choices.Select(c => c.Length).ToArray()),
        LastWordItem lw => new LastWordResult(lw.Index, lw.Id, groups[0][0].LogLikelihood, groups[0][0].IsGreedy, groups[0][0].Tokens),
        PerplexityDocument doc => new PerplexityResult(doc.Index, doc.Id, groups.Sum(g => g[0].LogLikelihood), groups.Sum(g => g[0].Tokens), doc.Words, doc.Bytes, groups.Count),
        _ => throw new ArgumentException($"unknown item type {item.GetType().Name}"),
    };
}
