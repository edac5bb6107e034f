using Cqil.Lab.Core.Evaluation;
using Cqil.Lab.Core.Model;
using Cqil.Lab.Tests.Fixtures;

namespace Cqil.Lab.Tests.Evaluation;

public sealed class LoglikelihoodScorerTests
{
    private static LlamaConfig Config => TestConfigs.GroupedQuery(maxPositions: 64);

    private static int[] Tokens(Random rng, int n) => Enumerable.Range(0, n).Select(_ => rng.Next(3, 101)).ToArray();

    /// <summary>Documents like multiple-choice items: a shared context, 1–5 continuations of 1–9 tokens, varied lengths.</summary>
    private static List<IReadOnlyList<TokenRequest>> Documents(int seed, int count, int maxContext = 30)
    {
        var rng = new Random(seed);
        var groups = new List<IReadOnlyList<TokenRequest>>();
        for (int d = 0; d < count; d++)
        {
            int[] context = Tokens(rng, rng.Next(1, maxContext));
            int choices = rng.Next(1, 6);
            groups.Add(Enumerable.Range(0, choices).Select(_ => new TokenRequest(context, Tokens(rng, rng.Next(1, 10)))).ToArray());
        }
        return groups;
    }

    [Theory]
    [InlineData(ScoringMode.SharedPrefix, 1)]
    [InlineData(ScoringMode.SharedPrefix, 4)]
    [InlineData(ScoringMode.SharedPrefix, 32)]
    [InlineData(ScoringMode.Independent, 7)]
    public void Every_request_equals_a_full_forward_of_context_and_continuation(ScoringMode mode, int batchSize)
    {
        using var model = RandomModel.Create(Config, seed: 5, std: 0.3);
        var groups = Documents(seed: 11, count: 24);
        // WinoGrande-like documents too: different contexts sharing a first part, the same continuation.
        groups.Add([new TokenRequest([5, 6, 7, 8], [40, 41, 42]), new TokenRequest([5, 6, 7, 9, 10], [40, 41, 42])]);
        groups.Add([new TokenRequest([5], [60]), new TokenRequest([6], [60])]); // nothing shared

        var scores = new LoglikelihoodScorer(model, new ScoringOptions { Mode = mode, BatchSize = batchSize }).Score(groups);

        int greedyCount = 0;
        for (int g = 0; g < groups.Count; g++)
        {
            for (int r = 0; r < groups[g].Count; r++)
            {
                var request = groups[g][r];
                var (expected, greedy) = Reference.Score(model, request.Context, request.Continuation, Config.MaxPositions);
                Assert.True(Math.Abs(scores[g][r].LogLikelihood - expected) < 1e-4, $"group {g} request {r}: {scores[g][r].LogLikelihood} vs {expected}");
                Assert.Equal(greedy, scores[g][r].IsGreedy);
                Assert.Equal(request.Continuation.Length, scores[g][r].Tokens);
                greedyCount += greedy ? 1 : 0;
            }
        }
        Assert.True(scores.SelectMany(s => s).Select(s => s.LogLikelihood).Distinct().Count() > 50, "scores should differ between requests");
    }

    [Fact]
    public void Greedy_continuations_are_recognised()
    {
        using var model = RandomModel.Create(Config, seed: 6, std: 0.3);
        int[] context = [3, 14, 15, 92, 65];
        // Build the greedy continuation with plain forwards, then score it among others.
        var greedy = new List<int>();
        for (int i = 0; i < 4; i++)
        {
            var logits = Fixtures.ModelRun.Logits(model, context.Concat(greedy).Select(t => (long)t).ToArray());
            int last = logits.GetLength(0) - 1;
            greedy.Add(Enumerable.Range(0, Config.VocabSize).MaxBy(v => logits[last, v]));
        }
        var scores = new LoglikelihoodScorer(model).Score([[new TokenRequest(context, greedy.ToArray()), new TokenRequest(context, [.. greedy[..3], (greedy[3] + 1) % 101])]]);
        Assert.True(scores[0][0].IsGreedy);
        Assert.False(scores[0][1].IsGreedy);
    }

    [Fact]
    public void Long_inputs_are_cut_from_the_left_like_lm_eval()
    {
        using var model = RandomModel.Create(Config, seed: 7, std: 0.3);
        var rng = new Random(3);
        int[] context = Tokens(rng, 100); // longer than the model's 64 positions
        var groups = new List<IReadOnlyList<TokenRequest>> { new[] { new TokenRequest(context, Tokens(rng, 5)), new TokenRequest(context, Tokens(rng, 2)), new TokenRequest(context, Tokens(rng, 9)) } };
        foreach (var mode in new[] { ScoringMode.SharedPrefix, ScoringMode.Independent })
        {
            var scores = new LoglikelihoodScorer(model, new ScoringOptions { Mode = mode }).Score(groups);
            for (int r = 0; r < 3; r++)
            {
                var (expected, _) = Reference.Score(model, groups[0][r].Context, groups[0][r].Continuation, 64);
                Assert.True(Math.Abs(scores[0][r].LogLikelihood - expected) < 1e-4, $"{mode} request {r}");
            }
        }
        var tooLong = new List<IReadOnlyList<TokenRequest>> { new[] { new TokenRequest([1], Tokens(rng, 65)) } };
        var error = Assert.Throws<global::Cqil.Lab.Core.InvalidInputException>(() => new LoglikelihoodScorer(model).Score(tooLong));
        Assert.Contains("longer than the model's context", error.Message);
    }

    [Fact]
    public void Small_budgets_split_batches_without_changing_scores()
    {
        using var model = RandomModel.Create(Config, seed: 8, std: 0.3);
        var groups = Documents(seed: 12, count: 16);
        var wide = new LoglikelihoodScorer(model, new ScoringOptions { BatchSize = 16 });
        var narrow = new LoglikelihoodScorer(model, new ScoringOptions { BatchSize = 16, MaxAttentionElements = 2000, MaxLogitElements = 2000 });
        var a = wide.Score(groups);
        var b = narrow.Score(groups);
        Assert.True(narrow.Forwards > wide.Forwards);
        for (int g = 0; g < groups.Count; g++)
        {
            for (int r = 0; r < groups[g].Count; r++)
            {
                Assert.True(Math.Abs(a[g][r].LogLikelihood - b[g][r].LogLikelihood) < 1e-4);
            }
        }
    }

    [Fact]
    public void Small_passes_may_pass_the_attention_budget_when_padding_stays_small()
    {
        using var model = RandomModel.Create(Config, seed: 8, std: 0.3);
        var rng = new Random(21);
        // Few-shot-like: long contexts (one per pass would fill the budget), continuations of about equal length.
        var alike = Enumerable.Range(0, 12).Select(_ =>
        {
            int[] context = Tokens(rng, 48);
            return (IReadOnlyList<TokenRequest>)Enumerable.Range(0, 2).Select(_ => new TokenRequest(context, Tokens(rng, 6))).ToArray();
        }).ToList();
        // One budget fits a pass of one 48-token prefix (heads × 48 × 48) and not two.
        long budget = Config.NumHeads * 48L * 48 + 1;
        ScoringOptions Options(int minRows) => new() { BatchSize = 12, MaxAttentionElements = budget, MinRowsPerPass = minRows };
        var strict = new LoglikelihoodScorer(model, Options(0));
        var grouped = new LoglikelihoodScorer(model, Options(16));
        var a = strict.Score(alike);
        var b = grouped.Score(alike);
        Assert.True(grouped.Forwards * 3 < strict.Forwards, $"{grouped.Forwards} passes with small passes grouped vs {strict.Forwards}");
        Assert.Equal(strict.TokensComputed, grouped.TokensComputed); // equal lengths: nothing padded either way
        Assert.True(a.Zip(b).All(p => p.First.Zip(p.Second).All(s => Math.Abs(s.First.LogLikelihood - s.Second.LogLikelihood) < 1e-4)));

        // Rows of very different lengths (49 and 5 tokens): grouping them all would pad 81%, so the long rows take
        // at most a quarter's padding of short ones along.
        var mixed = Enumerable.Range(0, 12).Select(i =>
            (IReadOnlyList<TokenRequest>)[new TokenRequest(Tokens(rng, i % 2 == 0 ? 48 : 4), Tokens(rng, 2))]).ToList();
        var strictMixed = new LoglikelihoodScorer(model, Options(0) with { Mode = ScoringMode.Independent });
        var groupedMixed = new LoglikelihoodScorer(model, Options(16) with { Mode = ScoringMode.Independent });
        strictMixed.Score(mixed);
        groupedMixed.Score(mixed);
        Assert.True(groupedMixed.TokensComputed * 4 <= strictMixed.TokensComputed * 5, $"{groupedMixed.TokensComputed} positions grouped vs {strictMixed.TokensComputed} strict");
    }

    [Fact]
    public void Shared_prefix_computes_fewer_positions_than_independent_scoring()
    {
        using var model = RandomModel.Create(Config, seed: 9, std: 0.3);
        var rng = new Random(4);
        var groups = Enumerable.Range(0, 8).Select(_ =>
        {
            int[] context = Tokens(rng, 40);
            return (IReadOnlyList<TokenRequest>)Enumerable.Range(0, 4).Select(_ => new TokenRequest(context, Tokens(rng, 5))).ToArray();
        }).ToList();
        var shared = new LoglikelihoodScorer(model, new ScoringOptions { Mode = ScoringMode.SharedPrefix });
        var independent = new LoglikelihoodScorer(model, new ScoringOptions { Mode = ScoringMode.Independent });
        shared.Score(groups);
        independent.Score(groups);
        // 8 × (40 + 4 × 4) = 448 positions shared vs 8 × 4 × 44 = 1408 independent.
        Assert.Equal(8 * (40 + 4 * 4), shared.TokensComputed);
        Assert.Equal(8 * 4 * 44, independent.TokensComputed);
    }

    [Fact]
    public void Progress_is_reported_after_each_batch_and_cancellation_stops_between_batches()
    {
        using var model = RandomModel.Create(Config, seed: 10, std: 0.3);
        var groups = Documents(seed: 13, count: 12);
        int total = groups.Sum(g => g.Count);
        var reports = new List<int>();
        new LoglikelihoodScorer(model, new ScoringOptions { BatchSize = 3 }).Score(groups, reports.Add);
        Assert.Equal(4, reports.Count);
        Assert.Equal(total, reports[^1]);
        Assert.True(reports.SequenceEqual(reports.Order()));

        using var cts = new CancellationTokenSource();
        var scorer = new LoglikelihoodScorer(model, new ScoringOptions { BatchSize = 3 });
        Assert.Throws<OperationCanceledException>(() => scorer.Score(groups, _ => cts.Cancel(), cts.Token));
        Assert.Equal(1, scorer.Forwards > 0 ? Math.Min(1, scorer.Forwards) : 0);
        Assert.True(scorer.Forwards <= 2, "only the first batch (prefill + rest) ran before cancellation");
    }

    [Fact]
    public void Rolling_windows_predict_every_token_once_with_full_length_inputs()
    {
        int[] tokens = Enumerable.Range(100, 23).ToArray();
        var windows = RollingWindows.For(tokens, prefixToken: 2, maxLength: 8);
        Assert.Equal(tokens, windows.SelectMany(w => w.Continuation));
        Assert.Equal([2, .. tokens[..7]], windows[0].Context.Concat(windows[0].Continuation).ToArray()[..8]);
        Assert.Equal([2], windows[0].Context);
        Assert.Equal(tokens[..8], windows[0].Continuation);
        // Middle window: one token of context before its 8 targets.
        Assert.Equal([tokens[7]], windows[1].Context);
        Assert.Equal(tokens[8..16], windows[1].Continuation);
        // Last window: 7 targets with extra context so the input is still 8 tokens.
        Assert.Equal(tokens[16..], windows[2].Continuation);
        Assert.Equal(tokens[14..16], windows[2].Context);
        Assert.All(windows.Skip(1), w => Assert.Equal(9, w.Context.Length + w.Continuation.Length));
        Assert.Single(RollingWindows.For([7, 8, 9], 2, 8));
        Assert.Empty(RollingWindows.For([], 2, 8));
    }
}

public sealed class LongContinuationTests
{
    [Fact]
    public void A_continuation_longer_than_the_context_is_scored_in_pieces_after_as_much_text_as_fits()
    {
        var config = new LlamaConfig { VocabSize = 101, HiddenSize = 48, IntermediateSize = 96, NumLayers = 2, NumHeads = 6, NumKvHeads = 2, HeadDim = 8, MaxPositions = 32 };
        using var model = RandomModel.Create(config, seed: 5, std: 0.3);
        var rng = new Random(2);
        var request = new TokenRequest(Enumerable.Range(0, 10).Select(_ => rng.Next(3, 101)).ToArray(), Enumerable.Range(0, 75).Select(_ => rng.Next(3, 101)).ToArray());
        var pieces = TaskEvaluator.SplitLongContinuation(request, 32);
        Assert.Equal([16, 16, 16, 16, 11], pieces.Select(p => p.Continuation.Length));
        Assert.Equal(request.Continuation, pieces.SelectMany(p => p.Continuation));
        Assert.All(pieces, p => Assert.Equal(request.Context.Concat(request.Continuation).Take(p.Context.Length + p.Continuation.Length), p.Context.Concat(p.Continuation)));
        var scores = new LoglikelihoodScorer(model).Score([pieces]);
        double expected = pieces.Sum(p => Reference.Score(model, p.Context, p.Continuation, 32).LogLikelihood);
        Assert.Equal(expected, scores[0].Sum(s => s.LogLikelihood), 1e-3);
        Assert.Same(request, Assert.Single(TaskEvaluator.SplitLongContinuation(request, 75)));
    }
}
