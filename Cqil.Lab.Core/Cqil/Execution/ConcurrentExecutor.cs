using Cqil.Lab.Core.Model;
using Cqil.Lab.Core.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Cqil.Lab.Core.Cqil.Execution;

/// <summary>
/// Runs the layers of a group at the same time — position 0 on the calling (home) thread, positions
/// 1..P−1 each on its own worker thread (and device, when several GPUs are given) — then sums their
/// updates on the group's home device. The home thread computing a layer itself saves a hand-off and keeps
/// P threads busy, not P+1. Singletons run on the home thread as usual. With bypass (D ≥ 1) a layer's
/// feed-forward needs its neighbours' attention outputs, so the group runs in two phases with a barrier.
/// </summary>
public sealed class ConcurrentExecutor : PlanExecutor
{
    private readonly GroupWorker[] workers;
    private readonly Device[] layerDevices;
    private readonly int homeCpu = -1;
    private readonly IReadOnlyList<int> allowedCpus;

    public ConcurrentExecutor(LlamaModel model, GroupPlan plan, ConcurrentOptions? options = null) : base(model, plan)
    {
        options ??= new ConcurrentOptions();
        int largest = plan.Groups.Max(g => g.Count);
        int threads = options.ThreadsPerWorker > 0 ? options.ThreadsPerWorker : Math.Max(1, Environment.ProcessorCount / largest);
        Options = options with { ThreadsPerWorker = threads };
        layerDevices = Enumerable.Range(0, plan.LayerCount).Select(l => options.DeviceOf(plan, l, model.Device)).ToArray();
        for (int layer = 0; layer < plan.LayerCount; layer++)
        {
            if (layerDevices[layer] != model.Device)
            {
                model.Layers[layer].Weights.MoveTo(layerDevices[layer]);
            }
        }
        // On a CPU, position k of a group runs on its own core: the home thread on the first allowed CPU
        // (only while it computes its layer), worker k on the k-th.
        allowedCpus = model.Device.type == DeviceType.CPU ? CpuAffinity.AllowedCpus() : [];
        bool pin = allowedCpus.Count >= 2;
        if (pin)
        {
            homeCpu = allowedCpus[0];
        }
        workers = Enumerable.Range(1, Math.Max(0, largest - 1))
            .Select(k => new GroupWorker(pin ? allowedCpus[k % allowedCpus.Count] : -1, threads, $"cqil-layer-{k}"))
            .ToArray();
    }

    public override ExecutionMode Mode => ExecutionMode.Concurrent;

    public ConcurrentOptions Options { get; }

    protected override void PrepareContext(ForwardContext ctx) => ctx.PrepareDevices(layerDevices.Distinct());

    protected override void BeginPass()
    {
        foreach (var worker in workers)
        {
            worker.BeginSession();
        }
    }

    protected override void EndPass()
    {
        foreach (var worker in workers)
        {
            worker.EndSession();
        }
    }

    protected override Tensor RunGroup(LayerGroup group, Tensor x, ForwardContext ctx)
    {
        int p = group.Count;
        int distance = Plan.DistanceFor(group);
        bool residual = Plan.ModeFor(group) == BypassMode.Residual;
        bool grad = is_grad_enabled();
        Tensor[] updates;
        if (distance == 0)
        {
            updates = OnWorkers(p, grad, k =>
            {
                var (layer, xk, ctxk) = Local(group, k, x, ctx);
                var a = layer.Attention(xk, ctxk);
                return a.Plus(layer.FeedForward(xk.Plus(a)));
            });
        }
        else
        {
            var attention = OnWorkers(p, grad, k =>
            {
                var (layer, xk, ctxk) = Local(group, k, x, ctx);
                return layer.Attention(xk, ctxk);
            });
            try
            {
                updates = OnWorkers(p, grad, k =>
                {
                    var (layer, xk, _) = Local(group, k, x, ctx);
                    var device = xk.device;
                    var a = attention[k];
                    Tensor? b = null;
                    for (int i = 1; i <= Math.Min(distance, k); i++)
                    {
                        var ai = attention[k - i].to(device);
                        b = b is null ? ai : b.Plus(ai);
                    }
                    var u = b is null ? xk.Plus(a) : xk.Plus(a).Plus(b);
                    var update = a.Plus(layer.FeedForward(u));
                    return residual && b is not null ? update.Plus(b) : update;
                });
            }
            finally
            {
                Array.ForEach(attention, t => t.Dispose());
            }
        }
        var output = x;
        foreach (var update in updates)
        {
            output = output.Plus(update.to(x.device));
            update.Dispose();
        }
        return output;
    }

    private (DecoderLayer Layer, Tensor X, ForwardContext Ctx) Local(LayerGroup group, int k, Tensor x, ForwardContext ctx)
    {
        int index = group.Start + k;
        var device = layerDevices[index];
        return (Model.Layers[index], x.device == device ? x : x.to(device), ctx.On(device));
    }

    // Runs work 0 here and work k on worker k−1 for 0 < k < count; waits for all. Results are detached and
    // belong to the caller. While its layer runs, the home thread is pinned to its core and uses the workers'
    // thread count.
    private Tensor[] OnWorkers(int count, bool grad, Func<int, Tensor> work)
    {
        Func<Tensor> Job(int position) => () =>
        {
            using var gradMode = grad ? enable_grad() : no_grad();
            using var scope = NewDisposeScope();
            return scope.MoveToOuter(work(position)).DetachFromDisposeScope();
        };
        for (int k = 1; k < count; k++)
        {
            workers[k - 1].Post(Job(k));
        }
        Tensor? first = null;
        Exception? failure = null;
        int homeThreads = get_num_threads();
        set_num_threads(Options.ThreadsPerWorker);
        bool pinned = homeCpu >= 0 && CpuAffinity.SetCurrentThread([homeCpu]);
        try
        {
            first = Job(0)();
        }
        catch (Exception e)
        {
            failure = e;
        }
        finally
        {
            if (pinned)
            {
                CpuAffinity.SetCurrentThread(allowedCpus);
            }
            set_num_threads(homeThreads);
        }
        var results = new Tensor[count];
        results[0] = first!;
        for (int k = 1; k < count; k++)
        {
            try
            {
                results[k] = workers[k - 1].Wait();
            }
            catch (Exception e)
            {
                failure ??= e;
            }
        }
        if (failure is not null)
        {
            foreach (var r in results)
            {
                r?.Dispose();
            }
            throw failure is AggregateException { InnerExceptions.Count: 1 } a ? a.InnerExceptions[0] : failure;
        }
        return results;
    }

    public override void Dispose()
    {
        foreach (var worker in workers)
        {
            worker.Dispose();
        }
    }
}
