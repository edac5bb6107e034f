using System.Text.Json;
using Cqil.Lab.Core;
using Cqil.Lab.Core.Checkpoints;
using Cqil.Lab.Core.Evaluation;
using Cqil.Lab.Core.Model;
using Cqil.Lab.Core.Runtime;
using static TorchSharp.torch;

namespace Cqil.Lab.Benchmarks;

/// <summary>
/// Shared-context scoring against naive per-choice scoring on HellaSwag (or another multiple-choice task with
/// --task NAME, to see how the gain follows the context/continuation lengths), measured in one run on the same
/// items: (1) the lab's scorer — each item's context computed once (a batch of items at a time), each ending
/// run after a copy of its item's KV cache, endings of similar length batched together; (2) naive per-choice
/// scoring: one forward of context + ending per choice; (3) the same batching as (1) with every ending run
/// after its own full context (lm-eval's computation, batched). Scores must agree (per-choice log-likelihoods
/// within 1e-4 per 100 nats — float32 sums of up to a few hundred log-probabilities, whose rounding follows the
/// batch shapes — and identical acc/acc_norm predictions) and (1) must be at least 2× faster than (2), the
/// issue's baseline, each at its own best setting: one thread and all threads, each with the engine's block
/// attention and with libtorch's fused kernel, all measured in the same rounds in rotating order (so the
/// baseline gets every setting the lab's scorer gets). Otherwise the benchmark exits with 1. The speedup over
/// (3) — what sharing gains on top of batching, bounded by the multiply-accumulates it saves — is printed
/// next to it, so batching's share of the gain is never hidden.
/// </summary>
public static class EvalSharedContextBenchmark
{
    public static int Run(BenchmarkArgs args)
    {
        string model = args.Extra.GetValueOrDefault("model") ?? SharedPath("data/stories260K/stories260K.bin");
        var entry = TaskCatalog.Find(args.Extra.GetValueOrDefault("task") ?? "hellaswag");
        string data = args.Extra.GetValueOrDefault("data") ?? SharedPath("data/" + entry.DefaultRelativePath);
        int limit = args.Quick ? 40 : args.Int("limit", 400);
        int batch = args.Int("batch-size", 32);
        // Five rounds: this VM's speed state can flip for a minute or two, and a median of three let one flipped
        // round decide a run (2026-11-27: 1.80x in one run against 2.07-2.36x in the runs around it).
        int reps = args.Quick ? 1 : args.Int("reps", 5);
        int cores = args.Int("threads", Environment.ProcessorCount);
        using var worker = new DeviceWorker(CPU, cores, "bench");
        var report = worker.Run(() =>
        {
            using var checkpoint = CheckpointLoader.Load(model);
            // --random-hidden N: a random LLaMA of that width (N/64 heads, 8 layers) with the checkpoint's tokenizer,
            // to see the same comparison where arithmetic, not per-op overhead, dominates.
            int hidden = args.Int("random-hidden", 0);
            using var randomModel = hidden > 0
                ? RandomModel.Create(checkpoint.Model.Config with
                {
                    HiddenSize = hidden, IntermediateSize = hidden * 11 / 4 / 64 * 64, NumLayers = args.Int("random-layers", 8),
                    NumHeads = hidden / 64, NumKvHeads = hidden / 64, HeadDim = 64,
                }, seed: 1, name: $"random-h{hidden}")
                : null;
            var loaded = (Model: randomModel ?? checkpoint.Model, checkpoint.Tokenizer);
            var task = entry.Read(data);
            // A seeded random subset: HellaSwag's file order puts short ActivityNet contexts first, long WikiHow ones later.
            var items = ItemSelection.Select(task.Items, limit, (ulong)args.Int("seed", 1));
            if (items.Any(i => i is not MultipleChoiceItem))
            {
                throw new InvalidInputException($"eval-shared-context needs a multiple-choice task; {entry.Name} is not one");
            }
            var encoder = new RequestEncoder(loaded.Tokenizer);
            int maxLength = loaded.Model.Config.MaxPositions;
            // One request group per multiple-choice item; an item with a choice longer than the model's context
            // (scored in pieces by the evaluator) is left out, so every side scores the same whole requests.
            var encoded = items.Select(i => (Item: i, Group: TaskEvaluator.Requests(i, encoder, maxLength).Single())).ToArray();
            int skipped = encoded.Count(e => e.Group.Any(r => r.Continuation.Length > maxLength));
            (items, var groups) = (encoded.Where(e => e.Group.All(r => r.Continuation.Length <= maxLength)).Select(e => e.Item).ToArray(),
                encoded.Where(e => e.Group.All(r => r.Continuation.Length <= maxLength)).Select(e => e.Group).ToArray());
            var singles = groups.SelectMany(g => g.Select(r => (IReadOnlyList<TokenRequest>)[r])).ToArray();
            var batched = new ScoringOptions { BatchSize = batch };
            if (args.Extra.ContainsKey("attention-budget-log2"))
            {
                batched = batched with { MaxAttentionElements = 1L << args.Int("attention-budget-log2", 20) };
            }
            var shared = new LoglikelihoodScorer(loaded.Model, batched with { Mode = ScoringMode.SharedPrefix });
            var independent = new LoglikelihoodScorer(loaded.Model, batched with { Mode = ScoringMode.Independent });
            var naive = new LoglikelihoodScorer(loaded.Model, new ScoringOptions { Mode = ScoringMode.Independent, BatchSize = 1 });

            // Warm-up on a few items, then alternate the three sides round by round.
            shared.Score(groups[..4]);
            independent.Score(groups[..4]);
            naive.Score(singles[..16]);
            RequestScore[][] a = [], b = [], c = [];
            var times = new List<(double[] Shared, double[] Independent, double[] Naive)>();
            long sharedBefore = shared.TokensComputed, independentBefore = independent.TokensComputed, naiveBefore = naive.TokensComputed;
            for (int r = 0; r < reps; r++)
            {
                var ts = InEverySetting(r, cores, () => shared.Score(groups), scores => a = scores);
                var tb = InEverySetting(r, cores, () => independent.Score(groups), scores => b = scores);
                var tn = InEverySetting(r, cores, () => naive.Score(singles), scores => c = scores);
                times.Add((ts, tb, tn));
            }
            var naiveByGroup = Regroup(c, groups);
            double diffShared = MaxDiff(a, naiveByGroup), diffIndependent = MaxDiff(b, naiveByGroup);
            double scaledShared = MaxScaledDiff(a, naiveByGroup), scaledIndependent = MaxScaledDiff(b, naiveByGroup);
            var predictions = (Predictions(a, items), Predictions(b, items), Predictions(naiveByGroup, items));
            bool samePredictions = predictions.Item1.SequenceEqual(predictions.Item3) && predictions.Item2.SequenceEqual(predictions.Item3);
            double ms(Func<(double[] Shared, double[] Independent, double[] Naive), double> f) => Timing.Median(times.Select(f).ToArray());
            return new
            {
                model = loaded.Model.Identity.Name, task = entry.Name, items = items.Count, skipped, requests = singles.Length, batch, reps, cores,
                sharedMs = Enumerable.Range(0, Settings.Length).Select(n => ms(t => t.Shared[n])).ToArray(), independentMs = Enumerable.Range(0, Settings.Length).Select(n => ms(t => t.Independent[n])).ToArray(),
                naiveMs = Enumerable.Range(0, Settings.Length).Select(n => ms(t => t.Naive[n])).ToArray(),
                sharedTokens = (shared.TokensComputed - sharedBefore) / reps / Settings.Length, independentTokens = (independent.TokensComputed - independentBefore) / reps / Settings.Length,
                realTokens = (naive.TokensComputed - naiveBefore) / reps / Settings.Length,
                maxAbsDiffShared = diffShared, maxAbsDiffIndependent = diffIndependent, samePredictions,
                maxScaledDiffShared = scaledShared, maxScaledDiffIndependent = scaledIndependent,
                accShared = predictions.Item1.Average(p => p.Acc ? 1.0 : 0.0), accNormShared = predictions.Item1.Average(p => p.AccNorm ? 1.0 : 0.0),
                rounds = times.Select(t => new { t.Shared, t.Independent, t.Naive }).ToArray(),
                sharedWork = shared.Work(groups), unsharedWork = independent.Work(groups),
            };
        });

        // Each side at its own best setting: the baseline never pays for a setting that suits only the lab's scorer.
        var naiveRuns = report.naiveMs.Select((t, n) => (Ms: t, Name: $"one forward per choice, {Setting(n)}")).ToArray();
        var batchedRuns = report.independentMs.Select((t, n) => (Ms: t, Name: $"full context per choice, batched, {Setting(n)}")).ToArray();
        var naive = naiveRuns.MinBy(x => x.Ms);
        var batchedBest = batchedRuns.MinBy(x => x.Ms);
        int bestShared = Array.IndexOf(report.sharedMs, report.sharedMs.Min());
        double sharedMs = report.sharedMs[bestShared];
        double speedup = naive.Ms / sharedMs, overBatched = batchedBest.Ms / sharedMs;
        double arithmetic = report.unsharedWork.TotalMacs / report.sharedWork.TotalMacs;
        string Setting(int n) => $"{(Settings[n].Threads == 0 ? report.cores : 1)} thread(s), {(Settings[n].Kernel == PrefillAttention.Blocks ? "block" : "fused")} attention";
        bool identical = report.samePredictions && report.maxScaledDiffShared <= 1e-4 && report.maxScaledDiffIndependent <= 1e-4;
        bool pass = identical && speedup >= 2.0;
        Console.WriteLine($"eval-shared-context: {report.task}, {report.items} items (seeded random subset{(report.skipped > 0 ? $", {report.skipped} left out: a choice longer than the model's context" : "")}) ({report.requests} choices), {report.model}, batch {report.batch}, {report.cores} thread(s), median of {report.reps} alternating rounds");
        Console.WriteLine();
        Console.WriteLine($"| scoring | time | items/s | vs naive per choice (best: {naive.Name}) | vs batched full context (best: {batchedBest.Name}) |");
        Console.WriteLine("|---|---|---|---|---|");
        void Row(string name, double ms) => Console.WriteLine($"| {name} | {ms / 1000:F2} s | {report.items / (ms / 1000):F1} | {naive.Ms / ms:F2}x | {batchedBest.Ms / ms:F2}x |");
        for (int n = 0; n < Settings.Length; n++)
        {
            Row($"shared context, batched (lab's scorer), {Setting(n)}", report.sharedMs[n]);
        }
        foreach (var (ms, name) in naiveRuns.Concat(batchedRuns))
        {
            Row(name, ms);
        }
        Console.WriteLine();
        Console.WriteLine($"token positions computed per pass, padding included: shared {report.sharedTokens}, full context per choice batched {report.independentTokens}, one forward per choice {report.realTokens} (no padding)");
        // The arithmetic bound: at equal efficiency per multiply-accumulate, sharing cannot be faster than this.
        static string Macs(ScoringWork w) => $"{w.TotalMacs / 1e9:F2} G (layers {w.LinearMacs / 1e9:F2}, attention {w.AttentionMacs / 1e9:F2}, head {w.HeadMacs / 1e9:F2})";
        Console.WriteLine($"multiply-accumulates without padding: shared {Macs(report.sharedWork)}; without sharing {Macs(report.unsharedWork)}: "
            + $"sharing saves {arithmetic:F2}x of the arithmetic (the most it can gain over batching at equal efficiency)");
        Console.WriteLine($"max |log-likelihood difference| vs naive: shared {report.maxAbsDiffShared:E2}, batched full-context {report.maxAbsDiffIndependent:E2} "
            + $"(per 100 nats: {report.maxScaledDiffShared:E2}, {report.maxScaledDiffIndependent:E2}; limit 1e-4); acc/acc_norm predictions identical: {report.samePredictions} (acc {report.accShared:F4}, acc_norm {report.accNormShared:F4})");
        Console.WriteLine($"sharing on top of batching: {overBatched:F2}x over batched full context at its best ({batchedBest.Name}); arithmetic bound {arithmetic:F2}x (reported, not a target)");
        // Each round's own ratio (both sides at their best setting of that round), to show how much a run's verdict
        // rests on the VM's state during it.
        var perRound = report.rounds.Select(r => r.Naive.Min() / r.Shared.Min()).ToArray();
        Console.WriteLine($"per round, best naive / best shared: {string.Join(", ", perRound.Select(x => $"{x:F2}x"))}");
        Console.WriteLine($"{(pass ? "PASS" : "FAIL")}: identical scores {(identical ? "yes" : "NO")}, lab's scorer {naive.Ms / 1000:F2} s -> {sharedMs / 1000:F2} s, "
            + $"{speedup:F2}x ({Setting(bestShared)}) vs naive per-choice scoring ({naive.Name}) (target >= 2x)");
        if (args.OutPath is not null)
        {
            File.WriteAllText(args.OutPath, JsonSerializer.Serialize(new { report, speedup, speedupOverBatched = overBatched, arithmeticBound = arithmetic, pass }, new JsonSerializerOptions { WriteIndented = true }));
        }
        return pass ? 0 : 1;
    }

    /// <summary>
    /// Milliseconds of one pass of <paramref name="score"/> in each of <see cref="Settings"/>, in an order that rotates
    /// with <paramref name="round"/> so no setting always runs first; scores computed with the process's own prefill
    /// kernel (the lab's default, or `--prefill-attention`) go to <paramref name="keep"/>, so scores are compared under it.
    /// </summary>
    private static double[] InEverySetting(int round, int cores, Func<RequestScore[][]> score, Action<RequestScore[][]> keep)
    {
        var ms = new double[Settings.Length];
        var own = LayerMath.PrefillKernel;
        for (int k = 0; k < Settings.Length; k++)
        {
            int n = (k + round) % Settings.Length;
            var (threads, kernel) = Settings[n];
            set_num_threads(threads == 0 ? cores : threads);
            LayerMath.PrefillKernel = kernel;
            try
            {
                ms[n] = Timing.Measure(CPU, 0, 1, () =>
                {
                    var scores = score();
                    if (kernel == own)
                    {
                        keep(scores);
                    }
                })[0];
            }
            finally
            {
                LayerMath.PrefillKernel = own;
                set_num_threads(cores);
            }
        }
        return ms;
    }

    // The candidate settings of both sides: threads (0 = all cores) and prefill attention kernel.
    private static readonly (int Threads, PrefillAttention Kernel)[] Settings =
        [(0, PrefillAttention.Blocks), (1, PrefillAttention.Blocks), (0, PrefillAttention.Fused), (1, PrefillAttention.Fused)];

    private static RequestScore[][] Regroup(RequestScore[][] singles, IReadOnlyList<IReadOnlyList<TokenRequest>> groups)
    {
        int at = 0;
        return groups.Select(g => g.Select(_ => singles[at++][0]).ToArray()).ToArray();
    }

    // |Δ| per 100 nats of the reference log-likelihood (at least 1): float32 rounding grows with the sum's length.
    private static double MaxScaledDiff(RequestScore[][] x, RequestScore[][] reference) =>
        x.Zip(reference).SelectMany(p => p.First.Zip(p.Second, (u, v) => Math.Abs(u.LogLikelihood - v.LogLikelihood) / Math.Max(1, Math.Abs(v.LogLikelihood) / 100))).Max();

    private static double MaxDiff(RequestScore[][] x, RequestScore[][] y) =>
        x.Zip(y).SelectMany(p => p.First.Zip(p.Second, (u, v) => Math.Abs(u.LogLikelihood - v.LogLikelihood))).Max();

    private static (bool Acc, bool AccNorm)[] Predictions(RequestScore[][] scores, IReadOnlyList<EvalItem> items) =>
        items.Cast<MultipleChoiceItem>().Select((item, i) =>
        {
            var r = new MultipleChoiceResult(item.Index, item.Id, item.Gold, scores[i].Select(s => s.LogLikelihood).ToArray(), scores[i].Select(s => s.IsGreedy).ToArray(),
                scores[i].Select(s => s.Tokens).ToArray(), item.Choices.Select(c => c.Length).ToArray());
            return (r.Acc, r.AccNorm);
        }).ToArray();

    /// <summary>A file under ../shared (beside the repository) or CQIL_SHARED_DIR.</summary>
    public static string SharedPath(string relative)
    {
        string? root = Environment.GetEnvironmentVariable("CQIL_SHARED_DIR");
        if (string.IsNullOrEmpty(root))
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Cqil.sln")))
                {
                    root = Path.Combine(dir.FullName, "..", "shared");
                    break;
                }
            }
        }
        string path = Path.GetFullPath(Path.Combine(root ?? "../shared", relative));
        return File.Exists(path) ? path : throw new FileNotFoundException($"{path} not found: pass --model/--data or set CQIL_SHARED_DIR");
    }
}
