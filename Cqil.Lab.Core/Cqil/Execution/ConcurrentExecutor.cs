using Cqil.Lab.Core.Model;
using Cqil.Lab.Core.Runtime;
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
    private readonly DeviceWorker[] workers;
    private readonly Device[] layerDevices;

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
        workers = Enumerable.Range(1, Math.Max(0, largest - 1))
            .Select(k => new DeviceWorker(options.Devices.Count == 0 ? model.Device : options.Devices[k % options.Devices.Count], threads, $"cqil-layer-{k}"))
            .ToArray();
    }

    public override ExecutionMode Mode => ExecutionMode.Concurrent;

    public ConcurrentOptions Options { get; }

    protected override void PrepareContext(ForwardContext ctx) => ctx.PrepareDevices(layerDevices.Distinct());

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
                return a + layer.FeedForward(xk + a);
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
                        b = b is null ? ai : b + ai;
                    }
                    var u = b is null ? xk + a : xk + a + b;
                    var update = a + layer.FeedForward(u);
                    return residual && b is not null ? update + b : update;
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
            output = output + update.to(x.device);
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
    // belong to the caller. While its layer runs, the home thread uses the workers' thread count.
    private Tensor[] OnWorkers(int count, bool grad, Func<int, Tensor> work)
    {
        Tensor Run(int position)
        {
            using var gradMode = grad ? enable_grad() : no_grad();
            using var scope = NewDisposeScope();
            return scope.MoveToOuter(work(position)).DetachFromDisposeScope();
        }
        var tasks = new Task<Tensor>[count - 1];
        for (int k = 1; k < count; k++)
        {
            int position = k;
            tasks[k - 1] = workers[k - 1].RunAsync(() => Run(position));
        }
        Tensor first;
        int homeThreads = get_num_threads();
        set_num_threads(Options.ThreadsPerWorker);
        try
        {
            first = Run(0);
        }
        catch
        {
            WaitAndDispose(tasks);
            throw;
        }
        finally
        {
            set_num_threads(homeThreads);
        }
        try
        {
            Task.WaitAll(tasks);
        }
        catch (AggregateException)
        {
            first.Dispose();
            WaitAndDispose(tasks);
            throw;
        }
        return tasks.Select(t => t.Result).Prepend(first).ToArray();
    }

    private static void WaitAndDispose(Task<Tensor>[] tasks)
    {
        try
        {
            Task.WaitAll(tasks);
        }
        catch (AggregateException)
        {
            // The caller reports the first failure.
        }
        foreach (var t in tasks.Where(t => t.IsCompletedSuccessfully))
        {
            t.Result.Dispose();
        }
    }

    public override void Dispose()
    {
        foreach (var worker in workers)
        {
            worker.Dispose();
        }
    }
}
