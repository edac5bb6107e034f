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
/// model, of everything outside the layer stack, and of one group of a given size computed in a given mode
/// (a probe plan that groups only the first P layers, so calibration never sees the plan it will predict).
/// </summary>
public static class UnitTimeProfiler
{
    /// <summary>Unit times of the unchanged model: one layer, and everything outside the layer stack.</summary>
    public static (PhaseTimings Prefill, PhaseTimings Decode) ProfileBaseline(LlamaModel model, Tensor prompt, int decodeTokens,
        (int Prefill, int Decode) threads, int repetitions, CancellationToken cancellationToken = default)
    {
        int layers = model.Config.NumLayers;
        using var baseline = new ReferenceExecutor(model, GroupPlan.Baseline(layers));
        var (prefill, decode) = Spans(baseline, prompt, decodeTokens, threads, repetitions, cancellationToken);
        PhaseTimings Times(List<Span> spans) => spans.Count == 0
            ? new PhaseTimings(0, 0, new Dictionary<int, double>())
            : new PhaseTimings(spans.Average(s => s.Total - s.Between(0, layers)), spans.Average(s => s.Between(0, layers) / layers), new Dictionary<int, double>());
        return (Times(prefill), Times(decode));
    }

    /// <summary>Time of one group of each size in <paramref name="sizes"/> computed in <paramref name="mode"/> (probe: the first P layers grouped).</summary>
    public static (Dictionary<int, double> Prefill, Dictionary<int, double> Decode) ProfileGroups(LlamaModel model, ExecutionMode mode, IEnumerable<int> sizes,
        Tensor prompt, int decodeTokens, (int Prefill, int Decode) threads, int repetitions, ConcurrentOptions? concurrent = null, CancellationToken cancellationToken = default)
    {
        int layers = model.Config.NumLayers;
        var prefillGroups = new Dictionary<int, double>();
        var decodeGroups = new Dictionary<int, double>();
        foreach (int size in sizes.Distinct().Where(size => size >= 2 && size <= layers))
        {
            using var probe = PlanExecutors.Create(model, GroupPlan.FromSep(layers, 0, size, size), mode, concurrent);
            var (prefill, decode) = Spans(probe, prompt, decodeTokens, threads, repetitions, cancellationToken);
            prefillGroups[size] = prefill.Average(s => s.Between(0, size));
            if (decode.Count > 0)
            {
                decodeGroups[size] = decode.Average(s => s.Between(0, size));
            }
        }
        return (prefillGroups, decodeGroups);
    }

    /// <summary>Clock readings of one pass: when each layer (index) started, when the stack ended (index L), and the pass's total.</summary>
    private sealed record Span(double[] At, double Total)
    {
        public double Between(int from, int to) => At[to] - At[from];
    }

    private static (List<Span> Prefill, List<Span> Decode) Spans(PlanExecutor executor, Tensor prompt, int decodeTokens, (int Prefill, int Decode) threads,
        int repetitions, CancellationToken cancellationToken)
    {
        var device = executor.Model.Device;
        int layers = executor.Model.Config.NumLayers;
        var at = new double[layers + 1];
        long origin = 0;
        executor.StateObserver = (index, _) =>
        {
            TorchRuntime.Synchronize(device);
            at[index] = Stopwatch.GetElapsedTime(origin).TotalMilliseconds;
        };
        var prefill = new List<Span>();
        var decode = new List<Span>();
        using var noGrad = no_grad();
        try
        {
            for (int rep = 0; rep <= repetitions; rep++)
            {
                using var cache = executor.NewCache((int)prompt.shape[0], (int)prompt.shape[1] + decodeTokens + 1);
                set_num_threads(threads.Prefill);
                var next = Timed(executor, prompt, cache, ref origin, out double total);
                if (rep > 0)
                {
                    prefill.Add(new Span((double[])at.Clone(), total));
                }
                set_num_threads(threads.Decode);
                for (int i = 0; i < decodeTokens; i++)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var following = Timed(executor, next, cache, ref origin, out total);
                    next.Dispose();
                    next = following;
                    if (rep > 0)
                    {
                        decode.Add(new Span((double[])at.Clone(), total));
                    }
                }
                next.Dispose();
            }
        }
        finally
        {
            executor.StateObserver = null;
        }
        return (prefill, decode);
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
