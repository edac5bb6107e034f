using Cqil.Lab.Core.Cqil;
using Cqil.Lab.Core.Cqil.Execution;
using Cqil.Lab.Core.Model;
using Cqil.Lab.Tests.Fixtures;
using static TorchSharp.torch;

namespace Cqil.Lab.Tests.Cqil;

/// <summary>A hand-worked P=2, D=1 group, term by term, in both bypass modes.</summary>
public sealed class BypassFormulaTests
{
    [Theory]
    [InlineData(ExecutionMode.Reference)]
    [InlineData(ExecutionMode.Fused)]
    [InlineData(ExecutionMode.Concurrent)]
    public void P2_D1_group_follows_each_bypass_formula_term_by_term(ExecutionMode mode)
    {
        var config = new LlamaConfig { VocabSize = 29, HiddenSize = 16, IntermediateSize = 40, NumLayers = 2, NumHeads = 2, NumKvHeads = 1, HeadDim = 8, MaxPositions = 16 };
        using var model = RandomModel.Create(config, seed: 8, std: 0.3);
        long[] ids = [4, 8, 15, 16, 23];
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();

        // By hand, from the layer steps: both layers read x; layer 1 receives b_1 = a_0.
        var input = tensor(ids, [1, ids.Length]);
        var ctx = model.BeginForward(input, null, null);
        var x = model.Embed(input);
        var a0 = model.Layers[0].Attention(x, ctx);
        var a1 = model.Layers[1].Attention(x, ctx);
        // Kept-alive sums (Model/Scalars): x.Plus(y) is x + y.
        var m0 = model.Layers[0].FeedForward(x.Plus(a0));
        var m1 = model.Layers[1].FeedForward(x.Plus(a1).Plus(a0));
        var ffnInput = x.Plus(a0.Plus(m0)).Plus(a1.Plus(m1));
        var residual = x.Plus(a0.Plus(m0)).Plus(a1.Plus(a0).Plus(m1));

        foreach (var (bypassMode, expected) in new[] { (BypassMode.FfnInput, ffnInput), (BypassMode.Residual, residual) })
        {
            var plan = GroupPlan.FromCompleteGroups(2, [[0, 1]], 1, bypassMode);
            using var executor = PlanExecutors.Create(model, plan, mode);
            var logits = executor.Forward(input);
            var handLogits = model.Logits(expected, LogitsFor.AllPositions);
            double diff = (logits - handLogits).abs().max().item<float>();
            Assert.True(diff < 1e-5, $"{mode} {bypassMode}: {diff:E2}");
        }

        // The two semantics differ by exactly one more a_0 in the output, and D=0 drops b_1 from u_1 too.
        Assert.True((residual - ffnInput - a0).abs().max().item<float>() < 1e-6);
        using var noBypass = PlanExecutors.Create(model, GroupPlan.FromCompleteGroups(2, [[0, 1]], 0), mode);
        var plain = x.Plus(a0.Plus(m0)).Plus(a1.Plus(model.Layers[1].FeedForward(x.Plus(a1))));
        Assert.True((noBypass.Forward(input) - model.Logits(plain, LogitsFor.AllPositions)).abs().max().item<float>() < 1e-5);
    }
}
