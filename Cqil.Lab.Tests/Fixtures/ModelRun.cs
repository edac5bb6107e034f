using Cqil.Lab.Core.Model;
using static TorchSharp.torch;

namespace Cqil.Lab.Tests.Fixtures;

/// <summary>Small helpers to run a model on plain arrays in tests.</summary>
public static class ModelRun
{
    /// <summary>Float32 logits [T, vocab] of one sequence, no cache.</summary>
    public static float[,] Logits(ICausalLm lm, long[] ids)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var logits = lm.Forward(tensor(ids, [1, ids.Length]), null, null, LogitsFor.AllPositions);
        return ToMatrix(logits[0]);
    }

    public static float[,] ToMatrix(Tensor t2d)
    {
        var cpu = t2d.to(ScalarType.Float32).cpu().contiguous();
        int rows = (int)cpu.shape[0], cols = (int)cpu.shape[1];
        var data = cpu.data<float>().ToArray();
        var m = new float[rows, cols];
        Buffer.BlockCopy(data, 0, m, 0, data.Length * sizeof(float));
        return m;
    }

    public static double MaxAbsDiff(float[,] a, float[,] b)
    {
        Assert.Equal(a.GetLength(0), b.GetLength(0));
        Assert.Equal(a.GetLength(1), b.GetLength(1));
        double max = 0;
        for (int i = 0; i < a.GetLength(0); i++)
        {
            for (int j = 0; j < a.GetLength(1); j++)
            {
                max = Math.Max(max, Math.Abs(a[i, j] - b[i, j]));
            }
        }
        return max;
    }

    public static double MaxAbs(float[,] a)
    {
        double max = 0;
        foreach (float v in a)
        {
            max = Math.Max(max, Math.Abs(v));
        }
        return max;
    }

    public static float[,] ToFloatMatrix(Tensor t2d) => ToMatrix(t2d);
}
