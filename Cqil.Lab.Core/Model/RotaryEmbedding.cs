using TorchSharp;
using static TorchSharp.torch;

namespace Cqil.Lab.Core.Model;

/// <summary>
/// Cos/sin tables for rotary position embeddings in the Hugging Face "rotate half" layout: dimension i of
/// a head is paired with i + headDim/2, frequency index i. Stored in the compute dtype; the tables grow
/// when a position beyond them is asked for.
/// </summary>
public sealed class RotaryEmbedding : IDisposable
{
    private readonly double[] inverseFrequencies;
    private readonly ScalarType dtype;
    private readonly Device device;
    private Tensor cos;
    private Tensor sin;

    public RotaryEmbedding(LlamaConfig config, ScalarType dtype, Device device)
    {
        int half = config.HeadDim / 2;
        var baseFrequencies = new double[half];
        for (int i = 0; i < half; i++)
        {
            baseFrequencies[i] = 1.0 / Math.Pow(config.RopeTheta, 2.0 * i / config.HeadDim);
        }
        inverseFrequencies = config.RopeScaling?.Apply(baseFrequencies) ?? baseFrequencies;
        this.dtype = dtype;
        this.device = device;
        (cos, sin) = BuildTables(Math.Max(config.MaxPositions, 1));
    }

    public int Half => inverseFrequencies.Length;

    public int Capacity => (int)cos.shape[0];

    /// <summary>Cos and sin for positions [start, start+count), shaped [1, count, 1, half] for [B, T, H, half] inputs.</summary>
    public (Tensor Cos, Tensor Sin) ForRange(int start, int count)
    {
        EnsureCapacity(start + count);
        return (cos.narrow(0, start, count).view(1, count, 1, Half), sin.narrow(0, start, count).view(1, count, 1, Half));
    }

    /// <summary>Cos and sin for per-sample positions [B, T], shaped [B, T, 1, half].</summary>
    public (Tensor Cos, Tensor Sin) ForPositions(Tensor positions, int maxPosition)
    {
        EnsureCapacity(maxPosition + 1);
        long b = positions.shape[0], t = positions.shape[1];
        var flat = positions.reshape(-1);
        return (cos.index_select(0, flat).view(b, t, 1, Half), sin.index_select(0, flat).view(b, t, 1, Half));
    }

    private void EnsureCapacity(int positions)
    {
        if (positions <= Capacity)
        {
            return;
        }
        int size = Math.Max(positions, Capacity * 2);
        var (newCos, newSin) = BuildTables(size);
        cos.Dispose();
        sin.Dispose();
        (cos, sin) = (newCos, newSin);
    }

    // Angles are formed in float32, as Hugging Face and llama2.c do, so long positions round the same way.
    private (Tensor, Tensor) BuildTables(int positions)
    {
        using var scope = NewDisposeScope();
        var frequencies = tensor(inverseFrequencies.Select(f => (float)f).ToArray(), [Half], ScalarType.Float32);
        var angles = Scalars.Range(0, positions, ScalarType.Float32, CPU).outer(frequencies);
        var c = angles.cos().to(dtype, device).contiguous();
        var s = angles.sin().to(dtype, device).contiguous();
        return scope.MoveToOuter(c, s).DetachBoth();
    }

    public void Dispose()
    {
        cos.Dispose();
        sin.Dispose();
    }
}

internal static class TupleDetach
{
    /// <summary>Detaches both tensors from every dispose scope: the owner disposes them.</summary>
    public static (Tensor, Tensor) DetachBoth(this (Tensor A, Tensor B) pair) =>
        (pair.A.DetachFromDisposeScope(), pair.B.DetachFromDisposeScope());
}
