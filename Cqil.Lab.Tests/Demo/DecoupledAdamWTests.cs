using Cqil.Lab.Core.Demo;
using Cqil.Lab.Core.Model;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Cqil.Lab.Tests.Demo;

public sealed class DecoupledAdamWTests
{
    /// <summary>Two identical parameter sets: a matrix (decayed) and a vector (not).</summary>
    private static (Parameter Matrix, Parameter Vector) Parameters()
    {
        var generator = new Generator(5);
        return (new Parameter(randn([6, 4], generator: generator)), new Parameter(randn([4], generator: generator)));
    }

    [Fact]
    public void Updates_are_bit_for_bit_those_of_TorchSharps_AdamW()
    {
        var (ours1, ours2) = Parameters();
        var (theirs1, theirs2) = Parameters();
        using var ours = new DecoupledAdamW([new ParameterGroup([ours1], 0.1), new ParameterGroup([ours2], 0)], 1e-2, 0.9, 0.95);
        using var theirs = optim.AdamW(
            [new AdamW.ParamGroup([theirs1], new AdamW.Options { weight_decay = 0.1 }), new AdamW.ParamGroup([theirs2], new AdamW.Options { weight_decay = 0 })],
            lr: 1e-2, beta1: 0.9, beta2: 0.95, eps: 1e-8);
        var generator = new Generator(9);
        double[] rates = [1e-2, 3e-3, 2e-2, 5e-4, 1e-2];
        foreach (double rate in rates)
        {
            using var scope = NewDisposeScope();
            var g1 = randn([6, 4], generator: generator).Times(3);
            var g2 = randn([4], generator: generator);
            ours.ZeroGrad();
            theirs.zero_grad();
            using (enable_grad())
            {
                (ours1 * g1).sum().Plus((ours2 * g2).sum()).backward();
                (theirs1 * g1).sum().Plus((theirs2 * g2).sum()).backward();
            }
            ours.LearningRate = rate;
            foreach (var group in theirs.ParamGroups)
            {
                group.LearningRate = rate;
            }
            ours.Step();
            theirs.step();
            Assert.True(ours1.equal(theirs1).all().item<bool>(), $"matrix differs after a step at lr {rate}");
            Assert.True(ours2.equal(theirs2).all().item<bool>(), $"vector differs after a step at lr {rate}");
        }
        // The weights moved, and the decayed matrix differently from an undecayed run (so decay is applied).
        var (start, _) = Parameters();
        Assert.False(ours1.equal(start).all().item<bool>());
    }

    [Fact]
    public void Parameters_without_gradients_are_left_alone()
    {
        var (matrix, vector) = Parameters();
        var before = vector.detach().clone();
        using var optimizer = new DecoupledAdamW([new ParameterGroup([matrix, vector], 0.1)], 1e-2, 0.9, 0.99);
        using (enable_grad())
        {
            matrix.sum().backward();
        }
        optimizer.Step();
        Assert.True(vector.equal(before).all().item<bool>());
    }

    [Fact]
    public void Invalid_settings_are_refused_with_the_values()
    {
        var (matrix, _) = Parameters();
        var error = Assert.Throws<ArgumentException>(() => new DecoupledAdamW([new ParameterGroup([matrix], 0)], 1e-3, 1.0, 0.99));
        Assert.Contains("betas 1/0.99", error.Message);
    }
}
