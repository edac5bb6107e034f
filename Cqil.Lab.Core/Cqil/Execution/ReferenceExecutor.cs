using Cqil.Lab.Core.Model;
using static TorchSharp.torch;

namespace Cqil.Lab.Core.Cqil.Execution;

/// <summary>
/// The definition, computed one layer after another: every layer of a group reads the group input x (its
/// keys and values too), then the updates are added. Exact accuracy of the plan; no speedup.
/// </summary>
public sealed class ReferenceExecutor(LlamaModel model, GroupPlan plan) : PlanExecutor(model, plan)
{
    public override ExecutionMode Mode => ExecutionMode.Reference;

    protected override Tensor RunGroup(LayerGroup group, Tensor x, ForwardContext ctx)
    {
        var layers = group.Layers.Select(i => Model.Layers[i]).ToArray();
        var attention = layers.Select(layer => layer.Attention(x, ctx)).ToArray();
        var bypassed = GroupBypass.Bypassed(attention, Plan.DistanceFor(group));
        bool residual = Plan.ModeFor(group) == BypassMode.Residual;
        var output = x;
        for (int k = 0; k < layers.Length; k++)
        {
            var u = bypassed[k] is { } b ? x.Plus(attention[k]).Plus(b) : x.Plus(attention[k]);
            var update = attention[k].Plus(layers[k].FeedForward(u));
            if (residual && bypassed[k] is { } rb)
            {
                update = update.Plus(rb);
            }
            output = output.Plus(update);
        }
        return output;
    }
}
