using Cqil.Lab.Core.Model;
using static TorchSharp.torch;

namespace Cqil.Lab.Core.Cqil.Execution;

/// <summary>
/// Computes each group's layers together on one device: the input is normalized once, q/k/v, output,
/// gate/up and down projections are batched products over stacked weights, and one attention call covers
/// all the group's heads (stacked along the head axis, with a stacked KV cache). Removes per-layer dispatch
/// and launch overhead; the weight traffic stays the same.
/// </summary>
public sealed class FusedExecutor : PlanExecutor
{
    private readonly Dictionary<int, FusedGroupWeights> stacks = new();

    public FusedExecutor(LlamaModel model, GroupPlan plan) : base(model, plan)
    {
        foreach (var group in plan.MultiLayerGroups)
        {
            stacks[group.Start] = FusedGroupWeights.Stack(group.Layers.Select(i => model.Layers[i]).ToArray());
        }
    }

    public override ExecutionMode Mode => ExecutionMode.Fused;

    protected override Tensor RunGroup(LayerGroup group, Tensor x, ForwardContext ctx)
    {
        var c = Model.Config;
        var w = stacks[group.Start];
        long p = group.Count, b = x.shape[0], t = x.shape[1], h = x.shape[2], n = b * t;
        int heads = c.NumHeads, kvHeads = c.NumKvHeads, d = c.HeadDim;

        // Attention of every layer in one pass. RMSNorm(x) is shared; only its weight differs per layer.
        var shared = LayerMath.RmsNormalize(x, c.RmsNormEps).view(1, n, h);
        var normed = shared * w.AttentionNorm;
        var qkv = w.QkvBias is null ? normed.bmm(w.Qkv) : normed.bmm(w.Qkv).Plus(w.QkvBias);
        qkv = qkv.view(p, b, t, heads + 2 * kvHeads, d);
        var qk = LayerMath.ApplyRotary(qkv.narrow(3, 0, heads + kvHeads), ctx.Cos, ctx.Sin);
        var q = qk.narrow(3, 0, heads).permute(1, 0, 3, 2, 4).reshape(b, p * heads, t, d);
        var k = qk.narrow(3, heads, kvHeads).permute(1, 0, 3, 2, 4).reshape(b, p * kvHeads, t, d);
        var v = qkv.narrow(3, heads + kvHeads, kvHeads).permute(1, 0, 3, 2, 4).reshape(b, p * kvHeads, t, d);
        var slot = ctx.Cache?.Slot(UnitId(group), () => new KvSlot(b, p * kvHeads, ctx.Cache.Capacity, d, x.dtype, x.device));
        var attended = LayerMath.Attend(q, k, v, ctx, slot)
            .view(b, p, heads, t, d).permute(1, 0, 3, 2, 4).reshape(p, n, heads * d);
        var a = w.OutputBias is null ? attended.bmm(w.Output) : attended.bmm(w.Output).Plus(w.OutputBias);

        // Feed-forward of every layer in one pass, on u_k = x + a_k (+ b_k).
        var bypassed = GroupBypass.BypassedStacked(a, Plan.DistanceFor(group));
        var u = x.reshape(1, n, h).Plus(a);
        if (bypassed is not null)
        {
            u = u.Plus(bypassed);
        }
        var m = LayerMath.SwiGlu(LayerMath.RmsNorm(u, w.FeedForwardNorm, c.RmsNormEps).bmm(w.GateUp)).bmm(w.Down);
        var updates = a.Plus(m);
        if (bypassed is not null && Plan.ModeFor(group) == BypassMode.Residual)
        {
            updates = updates.Plus(bypassed);
        }
        return x.Plus(updates.sum(0L).view(b, t, h));
    }

    // Fused groups keep one cache slot for all their layers; ids below zero never collide with layer ids.
    private static int UnitId(LayerGroup group) => -1 - group.Start;

    public override void Dispose()
    {
        foreach (var s in stacks.Values)
        {
            s.Dispose();
        }
        stacks.Clear();
    }
}
