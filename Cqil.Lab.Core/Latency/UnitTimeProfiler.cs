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
    private readonly Samples baselineSamples = new();
    // Per measured mode (index into the runner's candidates) and group size, probes with one and (where the model is
    // deep enough) two groups of that size at the front.
    private readonly List<(int Runner, ExecutionMode Mode, int Size, int Groups, PlanExecutor Probe, Samples Samples)> groupProbes = [];

    /// <param name="modes">The runner's candidates after the baseline, in order; reference mode gets no probe (it claims no speed).</param>
    public UnitTimeProfiler(LlamaModel model, Tensor prompt, int decodeTokens, IReadOnlyList<ExecutionMode> modes, IEnumerable<int> sizes, ConcurrentOptions? concurrent = null)
    {
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

    public int PassesPerRound => 1 + groupProbes.Count;

    /// <summary>
    /// Runs every probe once with the thread counts of the runner it stands for (<paramref name="threads"/>[0]:
    /// the baseline, [i]: candidate i), keeping the clock readings when <paramref name="timed"/> (not warm-up).
    /// </summary>
    public void AfterRound(bool timed, IReadOnlyList<(int Prefill, int Decode)> threads, Action passDone, CancellationToken cancellationToken)
    {
        Pass(baseline, threads[0], timed ? baselineSamples : null, cancellationToken);
        passDone();
        foreach (var (runner, _, _, _, probe, samples) in groupProbes)
        {
            Pass(probe, threads[runner], timed ? samples : null, cancellationToken);
            passDone();
        }
    }

    /// <summary>Unit times of the unchanged model, plus the groups as <paramref name="mode"/> computes them; null before any timed round.</summary>
    public (PhaseTimings Prefill, PhaseTimings Decode)? Timings(ExecutionMode mode)
    {
        if (baselineSamples.Prefill.Count == 0)
        {
            return null;
        }
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
        return (Units(baselineSamples.Prefill, s => s.Prefill), Units(baselineSamples.Decode, s => s.Decode));
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
