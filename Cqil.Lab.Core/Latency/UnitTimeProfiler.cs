using System.Diagnostics;
using Cqil.Lab.Core.Cqil;
using Cqil.Lab.Core.Cqil.Execution;
using Cqil.Lab.Core.Model;
using Cqil.Lab.Core.Runtime;
using static TorchSharp.torch;

namespace Cqil.Lab.Core.Latency;

/// <summary>
/// Measures the unit times a projection is built from, by reading the clock (after a device sync) each time
/// the residual stream passes from one layer or group to the next: the time of one layer of the unchanged
/// model, of everything outside the layer stack, and of one group of a given size computed in a given mode —
/// from probe plans that group only the first P layers, once and twice, so calibration never sees the plan it
/// will predict: the second group's time is a group's own cost, and what the first costs beyond it is paid once
/// per pass (<see cref="PhaseTimings.GroupStartMs"/>; the concurrent mode wakes its workers there).
/// The unchanged model is profiled at every candidate thread count, so a plan's singletons are predicted at the
/// count the plan runs with, and the device rows at the baseline's own fastest — the runner fixes that count
/// only after its last round, and a plan and its baseline often differ (one thread against two in prefill).
/// Its probes run between the latency runner's rounds (<see cref="AfterRound"/>), so the unit times come from
/// the same minutes as the latencies they are compared with: profiled afterwards, a drift of the machine's
/// speed (25% within minutes on the build VM) showed up as a prediction error.
/// </summary>
public sealed class UnitTimeProfiler : IRoundCompanion, IDisposable
{
    private readonly LlamaModel model;
    private readonly Tensor prompt;
    private readonly int decodeTokens;
    private readonly ReferenceExecutor baseline;
    // The unchanged model's passes at each candidate thread count (prefill and decode both at that count).
    private readonly (int Threads, Samples Samples)[] baselineSamples;
    // Per measured mode (index into the runner's candidates) and group size, probes with one and (where the model is
    // deep enough) two groups of that size at the front.
    private readonly List<(int Runner, ExecutionMode Mode, int Size, int Groups, PlanExecutor Probe, Samples Samples)> groupProbes = [];

    /// <param name="modes">The runner's candidates after the baseline, in order; reference mode gets no probe (it claims no speed).</param>
    /// <param name="threadCandidates">The thread counts the runner tries (<see cref="LatencySettings.Candidates"/>).</param>
    public UnitTimeProfiler(LlamaModel model, Tensor prompt, int decodeTokens, IReadOnlyList<ExecutionMode> modes, IEnumerable<int> sizes,
        IReadOnlyList<int> threadCandidates, ConcurrentOptions? concurrent = null)
    {
        baselineSamples = threadCandidates.Distinct().Select(t => (t, new Samples())).ToArray();
        if (baselineSamples.Length == 0)
        {
            throw new ArgumentException("at least one thread count is needed", nameof(threadCandidates));
        }
        this.model = model;
        this.prompt = prompt;
        this.decodeTokens = decodeTokens;
        int layers = model.Config.NumLayers;
        baseline = new ReferenceExecutor(model, GroupPlan.Baseline(layers));
        try
        {
            var probeSizes = sizes.Distinct().Where(size => size >= 2 && size <= layers).ToArray();
            for (int m = 0; m < modes.Count; m++)
            {
                if (modes[m] == ExecutionMode.Reference)
                {
                    continue;
                }
                foreach (int size in probeSizes)
                {
                    foreach (int groups in new[] { 1, 2 }.Where(g => g * size <= layers))
                    {
                        var probe = PlanExecutors.Create(model, GroupPlan.FromSep(layers, 0, groups * size, size), modes[m], concurrent);
                        groupProbes.Add((m + 1, modes[m], size, groups, probe, new Samples()));
                    }
                }
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public int PassesPerRound => baselineSamples.Length + groupProbes.Count;

    /// <summary>
    /// Runs the unchanged model at every candidate thread count and every group probe with the thread counts of
    /// the runner it stands for (<paramref name="threads"/>[i]: candidate i, [0] the baseline's), keeping the
    /// clock readings when <paramref name="timed"/> (not warm-up).
    /// </summary>
    public void AfterRound(bool timed, IReadOnlyList<(int Prefill, int Decode)> threads, Action passDone, CancellationToken cancellationToken)
    {
        foreach (var (count, samples) in baselineSamples)
        {
            Pass(baseline, (count, count), timed ? samples : null, cancellationToken);
            passDone();
        }
        foreach (var (runner, _, _, _, probe, samples) in groupProbes)
        {
            Pass(probe, threads[runner], timed ? samples : null, cancellationToken);
            passDone();
        }
    }

    /// <summary>
    /// Unit times of the unchanged model at <paramref name="threads"/> (prefill, decode; a count that was not a
    /// candidate falls back to the nearest), plus the groups as <paramref name="mode"/> computes them; null before any timed round.
    /// </summary>
    public (PhaseTimings Prefill, PhaseTimings Decode)? Timings(ExecutionMode mode, (int Prefill, int Decode) threads)
    {
        if (baselineSamples[0].Samples.Prefill.Count == 0)
        {
            return null;
        }
        Samples At(int count) => baselineSamples.MinBy(b => Math.Abs(b.Threads - count)).Samples;
        int layers = model.Config.NumLayers;
        PhaseTimings Units(List<Span> spans, Func<Samples, List<Span>> phase)
        {
            // Mean time from the first layer to the end of the probe's groups, per size and number of groups.
            var probed = groupProbes.Where(g => g.Mode == mode && phase(g.Samples).Count > 0)
                .ToDictionary(g => (g.Size, g.Groups), g => phase(g.Samples).Average(s => s.Between(0, g.Groups * g.Size)));
            var groupMs = new Dictionary<int, double>();
            double start = 0;
            foreach (int size in probed.Keys.Select(k => k.Size).Distinct())
            {
                double one = probed[(size, 1)];
                // Without a second group, or when noise makes it look free, a group costs what one alone did.
                double each = probed.TryGetValue((size, 2), out double two) && two > one ? two - one : one;
                groupMs[size] = each;
                start = Math.Max(start, one - each);
            }
            return new PhaseTimings(
                spans.Count == 0 ? 0 : spans.Average(s => s.Total - s.Between(0, layers)),
                spans.Count == 0 ? 0 : spans.Average(s => s.Between(0, layers) / layers),
                groupMs) { GroupStartMs = start };
        }
        return (Units(At(threads.Prefill).Prefill, s => s.Prefill), Units(At(threads.Decode).Decode, s => s.Decode));
    }

    public void Dispose()
    {
        baseline.Dispose();
        groupProbes.ForEach(g => g.Probe.Dispose());
    }

    private sealed class Samples
    {
        public List<Span> Prefill { get; } = [];
        public List<Span> Decode { get; } = [];
    }

    /// <summary>Clock readings of one pass: when each layer (index) started, when the stack ended (index L), and the pass's total.</summary>
    private sealed record Span(double[] At, double Total)
    {
        public double Between(int from, int to) => At[to] - At[from];
    }

    /// <summary>One prefill and its decode steps, each read layer by layer; added to <paramref name="into"/> unless null.</summary>
    private void Pass(PlanExecutor executor, (int Prefill, int Decode) threads, Samples? into, CancellationToken cancellationToken)
    {
        var device = model.Device;
        var at = new double[model.Config.NumLayers + 1];
        long origin = 0;
        executor.StateObserver = (index, _) =>
        {
            TorchRuntime.Synchronize(device);
            at[index] = Stopwatch.GetElapsedTime(origin).TotalMilliseconds;
        };
        using var noGrad = no_grad();
        try
        {
            using var cache = executor.NewCache((int)prompt.shape[0], (int)prompt.shape[1] + decodeTokens + 1);
            set_num_threads(threads.Prefill);
            var next = Timed(executor, prompt, cache, ref origin, out double total);
            into?.Prefill.Add(new Span((double[])at.Clone(), total));
            set_num_threads(threads.Decode);
            for (int i = 0; i < decodeTokens; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var following = Timed(executor, next, cache, ref origin, out total);
                next.Dispose();
                next = following;
                into?.Decode.Add(new Span((double[])at.Clone(), total));
            }
            next.Dispose();
        }
        finally
        {
            executor.StateObserver = null;
        }
    }

    private static Tensor Timed(PlanExecutor executor, Tensor ids, KvCache cache, ref long origin, out double totalMs)
    {
        TorchRuntime.Synchronize(executor.Model.Device);
        origin = Stopwatch.GetTimestamp();
        using var scope = NewDisposeScope();
        var next = executor.Forward(ids, cache, null, LogitsFor.LastPosition).argmax(-1);
        TorchRuntime.Synchronize(executor.Model.Device);
        totalMs = Stopwatch.GetElapsedTime(origin).TotalMilliseconds;
        return scope.MoveToOuter(next);
    }
}
