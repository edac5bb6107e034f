using System.Diagnostics;
using Cqil.Lab.Core.Cqil;
using Cqil.Lab.Core.Cqil.Execution;
using Cqil.Lab.Core.Model;
using Cqil.Lab.Core.Runtime;
using static TorchSharp.torch;

namespace Cqil.Lab.Core.Latency;

/// <summary>A plan to measure in one execution mode.</summary>
public sealed record LatencyCandidate(GroupPlan Plan, ExecutionMode Mode, ConcurrentOptions? Concurrent = null);

/// <summary>
/// Measures prefill (time to first token) and per-token decode latency of the unchanged model and of CQIL
/// plans, honestly: every runner first gets the libtorch thread count that is fastest for it, all runners
/// share the engine's weight layout, and timed repetitions alternate between runners (A, B, C, A, B, C, …) so
/// drift hits all of them. The baseline is timed at every candidate thread count in every round and reported at
/// the one fastest in those rounds (per phase), so a near tie in the short trial can never hand a plan a slower
/// baseline. The device is synchronized before every clock read. Runs on the thread that owns the model's device.
/// </summary>
public static class LatencyRunner
{
    /// <param name="companion">Runs after every round (the latency lab profiles its unit times there).</param>
    public static LatencyReport Measure(LlamaModel model, IReadOnlyList<LatencyCandidate> candidates, LatencySettings settings,
        IProgress<LatencyProgress>? progress = null, CancellationToken cancellationToken = default, bool keepPartial = false,
        IRoundCompanion? companion = null)
    {
        settings.Validate();
        var clock = Stopwatch.StartNew();
        var machine = MachineInfo.Describe();
        int startThreads = get_num_threads();
        var runners = new List<(string Label, string Mode, ICausalLm Lm, GroupPlan Plan)>
        {
            ("baseline", "baseline", model, GroupPlan.Baseline(model.Config.NumLayers)),
        };
        var executors = new List<PlanExecutor>();
        try
        {
            foreach (var c in candidates)
            {
                var executor = PlanExecutors.Create(model, c.Plan, c.Mode, c.Concurrent);
                executors.Add(executor);
                runners.Add((executor.Label, ExecutionModes.Name(c.Mode), executor, c.Plan));
            }
            using var noGrad = no_grad();
            var prompt = PromptIds(model, settings);

            // 1. Each runner's own best thread count, per phase. Every (runner, thread count) pair is sampled once per
            // round, all in the same rounds and in alternating order (the first round is warm-up), so a drift of the
            // machine's speed cannot pick the count: measured one candidate after another, it sometimes did.
            const int TrialRounds = 3;
            var candidateThreads = settings.Candidates();
            var trialSamples = new List<(double PrefillMs, double[] DecodeMs)>[runners.Count, candidateThreads.Count];
            for (int r = 0; r < runners.Count; r++)
            {
                for (int k = 0; k < candidateThreads.Count; k++)
                {
                    trialSamples[r, k] = [];
                }
            }
            int step = 0, steps = TrialRounds * runners.Count * candidateThreads.Count;
            for (int round = 0; round < TrialRounds; round++)
            {
                for (int r = 0; r < runners.Count; r++)
                {
                    for (int j = 0; j < candidateThreads.Count; j++)
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                        int k = round % 2 == 0 ? j : candidateThreads.Count - 1 - j;
                        var sample = MeasureOnce(runners[r].Lm, prompt, Math.Min(settings.DecodeTokens, 8), candidateThreads[k], candidateThreads[k], cancellationToken);
                        if (round > 0)
                        {
                            trialSamples[r, k].Add(sample);
                        }
                        progress?.Report(new LatencyProgress("choosing thread counts", ++step, steps));
                    }
                }
            }
            var trials = new List<ThreadTrial>();
            var threads = new (int Prefill, int Decode)[runners.Count];
            for (int r = 0; r < runners.Count; r++)
            {
                var found = candidateThreads.Select((t, k) => new ThreadTrial(runners[r].Label, t, Median(trialSamples[r, k].Select(s => s.PrefillMs)),
                    Median(trialSamples[r, k].SelectMany(s => s.DecodeMs).DefaultIfEmpty(0)))).ToList();
                trials.AddRange(found);
                threads[r] = (found.MinBy(f => f.PrefillMs)!.Threads, found.MinBy(f => f.DecodeMsPerToken)!.Threads);
            }

            // 2. Warm-up, then timed repetitions alternating between runners; the baseline at every candidate count.
            var measured = runners.Select(_ => new List<(double PrefillMs, double[] DecodeMs)>()).ToArray();
            var baselineAt = candidateThreads.Select(_ => new List<(double PrefillMs, double[] DecodeMs)>()).ToArray();
            int total = (settings.Warmup + settings.Repetitions) * (runners.Count - 1 + candidateThreads.Count + (companion?.PassesPerRound ?? 0));
            step = 0;
            bool partial = false;
            for (int rep = 0; rep < settings.Warmup + settings.Repetitions; rep++)
            {
                try
                {
                    for (int j = 0; j < candidateThreads.Count; j++)
                    {
                        int k = rep % 2 == 0 ? j : candidateThreads.Count - 1 - j;
                        var sample = MeasureOnce(runners[0].Lm, prompt, settings.DecodeTokens, candidateThreads[k], candidateThreads[k], cancellationToken);
                        if (rep >= settings.Warmup)
                        {
                            baselineAt[k].Add(sample);
                        }
                        progress?.Report(new LatencyProgress("measuring", ++step, total));
                    }
                    for (int r = 1; r < runners.Count; r++)
                    {
                        var sample = MeasureOnce(runners[r].Lm, prompt, settings.DecodeTokens, threads[r].Prefill, threads[r].Decode, cancellationToken);
                        if (rep >= settings.Warmup)
                        {
                            measured[r].Add(sample);
                        }
                        progress?.Report(new LatencyProgress("measuring", ++step, total));
                    }
                    companion?.AfterRound(rep >= settings.Warmup, threads, () => progress?.Report(new LatencyProgress("measuring", ++step, total)), cancellationToken);
                }
                catch (OperationCanceledException) when (keepPartial && rep - settings.Warmup >= 2)
                {
                    // Stopped early on request: keep the repetitions every runner finished (pairs stay aligned).
                    int complete = rep - settings.Warmup;
                    foreach (var m in measured.Skip(1).Concat(baselineAt)) // measured[0] is filled from baselineAt afterwards
                    {
                        m.RemoveRange(complete, m.Count - complete);
                    }
                    partial = true;
                    break;
                }
                if (keepPartial && cancellationToken.IsCancellationRequested && rep + 1 - settings.Warmup >= 2)
                {
                    partial = true;
                    break;
                }
            }

            // The baseline per phase at its fastest count in these rounds; its trial entries become these rounds' medians.
            var atCount = candidateThreads.Select((t, k) => new ThreadTrial(runners[0].Label, t, Median(baselineAt[k].Select(s => s.PrefillMs)),
                Median(baselineAt[k].SelectMany(s => s.DecodeMs).DefaultIfEmpty(0)))).ToArray();
            int bestPrefill = Array.IndexOf(atCount, atCount.MinBy(t => t.PrefillMs));
            int bestDecode = Array.IndexOf(atCount, atCount.MinBy(t => t.DecodeMsPerToken));
            measured[0] = baselineAt[bestPrefill].Zip(baselineAt[bestDecode], (p, d) => (p.PrefillMs, d.DecodeMs)).ToList();
            threads[0] = (candidateThreads[bestPrefill], candidateThreads[bestDecode]);
            trials.RemoveAll(t => t.Runner == runners[0].Label);
            trials.InsertRange(0, atCount);
            var baseline = Summarize(runners[0], threads[0], measured[0], settings, null);
            var runs = runners.Skip(1).Select((runner, i) => Summarize(runner, threads[i + 1], measured[i + 1], settings, measured[0])).ToArray();
            return new LatencyReport
            {
                Machine = machine,
                Model = model.Identity,
                Dtype = ModelDtype.Name(model.Dtype),
                Device = model.Device.type == TorchSharp.DeviceType.CPU ? "cpu" : model.Device.ToString(),
                Settings = settings,
                ThreadTrials = trials,
                Baseline = baseline,
                Runs = runs,
                ElapsedSeconds = clock.Elapsed.TotalSeconds,
                Partial = partial,
            };
        }
        finally
        {
            executors.ForEach(e => e.Dispose());
            set_num_threads(startThreads);
        }
    }

    private static RunnerLatency Summarize((string Label, string Mode, ICausalLm Lm, GroupPlan Plan) runner, (int Prefill, int Decode) threads,
        List<(double PrefillMs, double[] DecodeMs)> samples, LatencySettings settings, List<(double PrefillMs, double[] DecodeMs)>? baseline)
    {
        var prefill = samples.Select(s => s.PrefillMs).ToArray();
        var decodeMeans = samples.Select(s => s.DecodeMs.Length == 0 ? 0 : s.DecodeMs.Average()).ToArray();
        var allDecode = samples.SelectMany(s => s.DecodeMs).ToArray();
        var decodeStats = LatencyStatistics.Of(allDecode.Length > 0 ? allDecode : [0]);
        var prefillStats = LatencyStatistics.Of(prefill);
        var result = new RunnerLatency
        {
            Label = runner.Label,
            Mode = runner.Mode,
            Plan = runner.Plan.Describe(),
            PrefillThreads = threads.Prefill,
            DecodeThreads = threads.Decode,
            Prefill = prefillStats,
            DecodePerToken = decodeStats,
            DecodeMeanPerRepetition = decodeMeans,
            PrefillTokensPerSecond = settings.Batch * settings.PromptLength / (prefillStats.Mean / 1000),
            DecodeTokensPerSecond = decodeStats.Mean > 0 ? settings.Batch / (decodeStats.Mean / 1000) : 0,
            IdealReduction = runner.Plan.IdealReduction,
        };
        if (baseline is null)
        {
            return result;
        }
        if (runner.Mode == ExecutionModes.Name(ExecutionMode.Reference))
        {
            return result with { SpeedupNote = "reference mode computes the plan's arithmetic one layer after another: it gives the plan's accuracy, not a speedup" };
        }
        var prefillSpeedup = SpeedupEstimate.Paired(baseline.Select(b => b.PrefillMs).ToArray(), prefill);
        SpeedupEstimate? decodeSpeedup = settings.DecodeTokens > 0
            ? SpeedupEstimate.Paired(baseline.Select(b => b.DecodeMs.Average()).ToArray(), decodeMeans)
            : null;
        double ideal = runner.Plan.IdealReduction;
        return result with
        {
            PrefillSpeedup = prefillSpeedup,
            DecodeSpeedup = decodeSpeedup,
            PrefillRealized = ideal > 0 ? prefillSpeedup.Reduction / ideal : null,
            DecodeRealized = ideal > 0 && decodeSpeedup is not null ? decodeSpeedup.Reduction / ideal : null,
        };
    }

    /// <summary>One repetition: a fresh cache, the prompt's prefill, then each decode step timed on its own.</summary>
    private static (double PrefillMs, double[] DecodeMs) MeasureOnce(ICausalLm lm, Tensor prompt, int decodeTokens, int prefillThreads, int decodeThreads, CancellationToken cancellationToken)
    {
        var device = lm.Model.Device;
        long batch = prompt.shape[0];
        using var cache = lm.NewCache((int)batch, (int)prompt.shape[1] + decodeTokens + 1);
        set_num_threads(prefillThreads);
        Tensor next;
        TorchRuntime.Synchronize(device);
        long start = Stopwatch.GetTimestamp();
        using (var scope = NewDisposeScope())
        {
            next = scope.MoveToOuter(lm.Forward(prompt, cache, null, LogitsFor.LastPosition).argmax(-1));
            TorchRuntime.Synchronize(device);
        }
        double prefillMs = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        set_num_threads(decodeThreads);
        var decode = new double[decodeTokens];
        for (int i = 0; i < decodeTokens; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            TorchRuntime.Synchronize(device);
            start = Stopwatch.GetTimestamp();
            using (var scope = NewDisposeScope())
            {
                var following = lm.Forward(next, cache, null, LogitsFor.LastPosition).argmax(-1);
                TorchRuntime.Synchronize(device);
                next.Dispose();
                next = scope.MoveToOuter(following);
            }
            decode[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
        next.Dispose();
        return (prefillMs, decode);
    }

    /// <summary>The seeded prompt every runner gets: [batch, prompt length] token ids.</summary>
    internal static Tensor PromptIds(LlamaModel model, LatencySettings settings)
    {
        var random = new SplitMix64((ulong)settings.Seed);
        var ids = new long[settings.Batch * settings.PromptLength];
        for (int i = 0; i < ids.Length; i++)
        {
            ids[i] = random.NextInt(model.Config.VocabSize);
        }
        return tensor(ids, [settings.Batch, settings.PromptLength]).to(model.Device);
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? 0 : LatencyStatistics.Percentile(sorted, 50);
    }
}
