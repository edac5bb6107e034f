using Cqil.Lab.Core.Model;
using static TorchSharp.torch;

namespace Cqil.Lab.Core.Cqil.Execution;

/// <summary>
/// Runs a model under a <see cref="GroupPlan"/>: singletons as ordinary layers, each multi-layer group as
/// h_{s+P} = x + Σ_k update_k over the shared input x. Subclasses decide how a group is computed. As an
/// <see cref="ICausalLm"/> it plugs into generation, evaluation, analysis and latency measurement.
/// </summary>
public abstract class PlanExecutor : ICausalLm, IDisposable
{
    protected PlanExecutor(LlamaModel model, GroupPlan plan)
    {
        if (plan.LayerCount != model.Config.NumLayers)
        {
            throw new InvalidInputException($"the plan is for {plan.LayerCount} layers but {model.Identity.Name} has {model.Config.NumLayers}");
        }
        Model = model;
        Plan = plan;
    }

    public LlamaModel Model { get; }

    public GroupPlan Plan { get; }

    public abstract ExecutionMode Mode { get; }

    public string Label => $"{ExecutionModes.Name(Mode)} {Plan.Describe()}";

    /// <summary>
    /// Sees the residual stream: called with (ℓ, x_ℓ) for every layer ℓ before it runs — under a plan every
    /// layer of a group gets the group's input — and finally with (L, the last layer's output). The tensor is
    /// freed after the step, so observers copy what they keep.
    /// </summary>
    public Action<int, Tensor>? StateObserver { get; set; }

    public KvCache NewCache(int batch, int capacity) => new(batch, capacity, Model.Device);

    public Tensor Forward(Tensor ids, KvCache? cache = null, Tensor? paddingMask = null, LogitsFor logits = default)
    {
        using var scope = NewDisposeScope();
        var ctx = Model.BeginForward(ids, cache, paddingMask);
        PrepareContext(ctx);
        BeginPass();
        try
        {
            return scope.MoveToOuter(RunStack(ids, ctx, cache, logits));
        }
        finally
        {
            EndPass();
        }
    }

    private Tensor RunStack(Tensor ids, ForwardContext ctx, KvCache? cache, LogitsFor logits)
    {
        var x = Model.Embed(ids);
        foreach (var group in Plan.Groups)
        {
            if (StateObserver is { } observe)
            {
                foreach (int layer in group.Layers)
                {
                    observe(layer, x);
                }
            }
            x = LlamaModel.RunLayerStep(x, input => group.IsSingleton
                ? Model.Layers[group.Start].Forward(input, ctx)
                : RunGroup(group, input, ctx));
        }
        StateObserver?.Invoke(Plan.LayerCount, x);
        cache?.Advance(ctx.Tokens);
        return Model.Logits(x, logits);
    }

    /// <summary>Called before a pass's layers run (e.g. to wake workers), on the calling thread.</summary>
    protected virtual void BeginPass()
    {
    }

    /// <summary>Called after a pass, also when it failed.</summary>
    protected virtual void EndPass()
    {
    }

    /// <summary>Per-pass preparation on the calling thread (e.g. copies of the context for other devices).</summary>
    protected virtual void PrepareContext(ForwardContext ctx)
    {
    }

    /// <summary>Computes x + Σ_k update_k for a group of two or more layers.</summary>
    protected abstract Tensor RunGroup(LayerGroup group, Tensor x, ForwardContext ctx);

    public virtual void Dispose()
    {
    }
}
