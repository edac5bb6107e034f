using Cqil.Lab.Core.Model;
using static TorchSharp.torch;

namespace Cqil.Lab.Core.Cqil.Execution;

/// <summary>
/// The group formula of cqil-method.md with bypass distance D, on per-layer tensors:
/// b_k = Σ_{i=1..min(D,k)} a_{k−i}; u_k = x + a_k + b_k; update_k = a_k + m_k(u_k) (+ b_k in residual mode).
/// </summary>
public static class GroupBypass
{
    /// <summary>b_k for k = 0..P−1 from the attention outputs a_0..a_{P−1}; null where nothing is added.</summary>
    public static Tensor?[] Bypassed(IReadOnlyList<Tensor> attention, int distance)
    {
        var b = new Tensor?[attention.Count];
        for (int k = 1; k < attention.Count && distance > 0; k++)
        {
            Tensor sum = attention[k - 1];
            for (int i = 2; i <= Math.Min(distance, k); i++)
            {
                sum = sum.Plus(attention[k - i]);
            }
            b[k] = sum;
        }
        return b;
    }

    /// <summary>b for stacked attention outputs a [P, …] as one stacked tensor (zeros for k = 0); null when D = 0.</summary>
    public static Tensor? BypassedStacked(Tensor attention, int distance)
    {
        long p = attention.shape[0];
        if (distance <= 0 || p == 1)
        {
            return null;
        }
        var rows = new Tensor[p];
        rows[0] = zeros_like(attention[0]);
        for (long k = 1; k < p; k++)
        {
            long first = Math.Max(0, k - distance);
            rows[k] = attention.narrow(0, first, k - first).sum(0L);
        }
        return stack(rows, 0);
    }
}
