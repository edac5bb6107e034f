using Cqil.Lab.Core.Model;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Cqil.Lab.Core.Demo;

/// <summary>A set of parameters and its weight decay (the demo decays matrices, not norm weights).</summary>
public sealed record ParameterGroup(IReadOnlyList<Parameter> Parameters, double WeightDecay);

/// <summary>
/// AdamW with decoupled weight decay (Loshchilov and Hutter), doing the same tensor operations in the same order
/// as TorchSharp's <c>optim.AdamW</c>, so training is bit for bit what it was, but with every number it hands to
/// libtorch held in a scalar that stays alive until the call returns. TorchSharp's optimizer passes its numbers
/// as temporary scalars that a garbage collection on another thread can free mid-call (see <see cref="Scalars"/>).
/// </summary>
public sealed class DecoupledAdamW : IDisposable
{
    private readonly IReadOnlyList<ParameterGroup> groups;
    private readonly Dictionary<Parameter, (Tensor Mean, Tensor SquareMean)> moments = new();
    private readonly double beta1, beta2, eps;
    private long steps;

    public DecoupledAdamW(IReadOnlyList<ParameterGroup> groups, double learningRate, double beta1, double beta2, double eps = 1e-8)
    {
        if (learningRate < 0 || eps < 0 || beta1 is < 0 or >= 1 || beta2 is < 0 or >= 1 || groups.Any(g => g.WeightDecay < 0))
        {
            throw new ArgumentException($"AdamW needs lr ≥ 0, eps ≥ 0, betas in [0, 1) and weight decay ≥ 0 (got lr {learningRate}, eps {eps}, betas {beta1}/{beta2})");
        }
        this.groups = groups;
        (LearningRate, this.beta1, this.beta2, this.eps) = (learningRate, beta1, beta2, eps);
        foreach (var p in groups.SelectMany(g => g.Parameters))
        {
            moments[p] = (zeros_like(p).DetachFromDisposeScope(), zeros_like(p).DetachFromDisposeScope());
        }
    }

    /// <summary>The rate of the next <see cref="Step"/> (the trainer's schedule sets it every step).</summary>
    public double LearningRate { get; set; }

    public void ZeroGrad()
    {
        foreach (var p in groups.SelectMany(g => g.Parameters))
        {
            using var grad = p.grad;
            grad?.zero_();
        }
    }

    /// <summary>One update of every parameter that has a gradient.</summary>
    public void Step()
    {
        steps++;
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        double lr = LearningRate;
        using var keep1 = beta1.ToScalar();
        using var keep2 = beta2.ToScalar();
        using var gradWeight1 = (1 - beta1).ToScalar();
        using var gradWeight2 = (1 - beta2).ToScalar();
        using var epsilon = eps.ToScalar();
        using var correction2 = Math.Sqrt(1 - Math.Pow(beta2, steps)).ToScalar();
        using var stepSize = (-(lr / (1 - Math.Pow(beta1, steps)))).ToScalar();
        foreach (var group in groups)
        {
            using var shrink = (1 - lr * group.WeightDecay).ToScalar();
            foreach (var p in group.Parameters)
            {
                var grad = p.grad;
                if (grad is null)
                {
                    continue;
                }
                var (mean, squareMean) = moments[p];
                p.mul_(shrink);
                mean.mul_(keep1).add_(grad, gradWeight1);
                squareMean.mul_(keep2).addcmul_(grad, grad, gradWeight2);
                var denominator = squareMean.sqrt().div_(correction2).add_(epsilon, Scalars.One);
                p.addcdiv_(mean, denominator, stepSize);
            }
        }
    }

    public void Dispose()
    {
        foreach (var (mean, squareMean) in moments.Values)
        {
            mean.Dispose();
            squareMean.Dispose();
        }
        moments.Clear();
    }
}
