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
        var items = FewShotContext.ApplyAll(task, ItemSelection.Select(task.Items, options.Limit, options.LimitSeed), options.NumFewShot, options.FewShotSeed);
        var encoder = new RequestEncoder(tokenizer);
        var scorer = new LoglikelihoodScorer(lm, options.Scoring);

        // Every item becomes one or more groups of token requests (rolling windows are groups of their own).
        // A continuation longer than the model's context (lm-eval asserts it never is) is scored in pieces of
        // half the context, each after as much preceding text as fits; the pieces' scores are summed.
        var groups = new List<IReadOnlyList<TokenRequest>>();
        var pieceOwners = new List<int[]>();
        var owner = new List<int>();
        int split = 0;
        foreach (var (item, position) in items.Select((item, i) => (item, i)))
        {
            foreach (var group in Requests(item, encoder, scorer.MaxLength))
            {
                var pieces = new List<TokenRequest>();
                var owners = new List<int>();
                for (int r = 0; r < group.Count; r++)
                {
                    var parts = SplitLongContinuation(group[r], scorer.MaxLength);
                    split += parts.Count > 1 ? 1 : 0;
                    pieces.AddRange(parts);
                    owners.AddRange(Enumerable.Repeat(r, parts.Count));
                }
                groups.Add(pieces);
                pieceOwners.Add(owners.ToArray());
                owner.Add(position);
            }
        }
        int total = groups.Sum(g => g.Count);
        var pieceScores = scorer.Score(groups, done => progress?.Report(new EvaluationProgress(done, total, clock.Elapsed)), cancellationToken);
        var scores = pieceScores.Select((g, i) => Combine(g, pieceOwners[i])).ToArray();

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
            Task = new EvaluationResult.TaskInfo(task.Name, task.Format, task.TaskHash, task.Sources, task.Items.Count, items.Count, options.Limit, options.Limit is null ? null : options.LimitSeed,
                options.NumFewShot, options.NumFewShot > 0 ? options.FewShotSeed : null),
            Model = new EvaluationResult.ModelInfo(lm.Model.Identity, lm.Label, ModelDtype.Name(lm.Model.Dtype), lm.Model.Device.ToString()),
            Plan = options.PlanPath is null && options.Mode is null ? null : new EvaluationResult.PlanInfo(options.PlanPath, options.PlanSha256, options.Mode),
            Scoring = new EvaluationResult.ScoringInfo(options.Scoring.Mode == ScoringMode.SharedPrefix ? "shared-prefix" : "independent",
                options.Scoring.BatchSize, scorer.MaxLength, total, split, scorer.Forwards, scorer.TokensComputed),
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

    /// <summary>A request whose continuation is longer than <paramref name="maxLength"/>, cut into pieces of maxLength / 2 tokens.</summary>
    public static IReadOnlyList<TokenRequest> SplitLongContinuation(TokenRequest request, int maxLength)
    {
        if (request.Continuation.Length <= maxLength)
        {
            return [request];
        }
        int piece = Math.Max(1, maxLength / 2);
        var pieces = new List<TokenRequest>();
        for (int start = 0; start < request.Continuation.Length; start += piece)
        {
            int end = Math.Min(request.Continuation.Length, start + piece);
            pieces.Add(new TokenRequest([.. request.Context, .. request.Continuation[..start]], request.Continuation[start..end]));
        }
        return pieces;
    }

    private static RequestScore[] Combine(RequestScore[] pieces, int[] owners)
    {
        int count = owners.Length == 0 ? 0 : owners[^1] + 1;
        var combined = new RequestScore[count];
        for (int i = 0; i < count; i++)
        {
            combined[i] = new RequestScore(0, true, 0);
        }
        for (int p = 0; p < pieces.Length; p++)
        {
            var c = combined[owners[p]];
            combined[owners[p]] = new RequestScore(c.LogLikelihood + pieces[p].LogLikelihood, c.IsGreedy && pieces[p].IsGreedy, c.Tokens + pieces[p].Tokens);
        }
        return combined;
    }

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
