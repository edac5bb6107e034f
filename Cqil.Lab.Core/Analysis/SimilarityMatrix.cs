namespace Cqil.Lab.Core.Analysis;

/// <summary>
/// An L×L layer-pair statistic: its mean and its spread (standard deviation across samples of the
/// per-sample values) over <see cref="Samples"/> samples.
/// </summary>
public sealed record SimilarityMatrix(double[][] Mean, double[][] StdDev, int Samples)
{
    public int Size => Mean.Length;

    public double this[int i, int j] => Mean[i][j];

    /// <summary>Standard error of the mean of entry (i, j).</summary>
    public double StandardError(int i, int j) => Samples > 1 ? StdDev[i][j] / Math.Sqrt(Samples) : double.NaN;

    /// <summary>Similarity of each layer's input with the next layer's input: entry (ℓ, ℓ+1).</summary>
    public double[] Adjacent() => Enumerable.Range(0, Size - 1).Select(l => Mean[l][l + 1]).ToArray();
}

/// <summary>A per-layer statistic (block influence) with its spread across samples.</summary>
public sealed record LayerVector(double[] Mean, double[] StdDev, int Samples);
