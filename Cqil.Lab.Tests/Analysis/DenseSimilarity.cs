namespace Cqil.Lab.Tests.Analysis;

/// <summary>
/// The similarity statistics computed the obvious way, all at once in float64, from every counted token's
/// residual states — the reference the streaming analyzer must match.
/// </summary>
public static class DenseSimilarity
{
    /// <param name="samples">Per sample, per counted token, the states x_0 … x_L (each a vector).</param>
    public static (double[,] Cosine, double[,] CosineStd, double[,] LastToken, double[,] Angular, double[] BlockInfluence) Compute(List<List<double[][]>> samples, int layers)
    {
        int s = layers + 1;
        var tokenSum = new double[s, s];
        var angularSum = new double[s, s];
        var perSample = new List<double[,]>();
        var lastSum = new double[s, s];
        long tokens = 0;
        foreach (var sample in samples)
        {
            var mean = new double[s, s];
            foreach (var states in sample)
            {
                for (int i = 0; i < s; i++)
                {
                    for (int j = 0; j < s; j++)
                    {
                        double c = Math.Clamp(Cos(states[i], states[j]), -1, 1);
                        tokenSum[i, j] += c;
                        angularSum[i, j] += Math.Acos(c) / Math.PI;
                        mean[i, j] += c / sample.Count;
                    }
                }
                tokens++;
            }
            perSample.Add(mean);
            var last = sample[^1];
            for (int i = 0; i < s; i++)
            {
                for (int j = 0; j < s; j++)
                {
                    lastSum[i, j] += Math.Clamp(Cos(last[i], last[j]), -1, 1);
                }
            }
        }
        var cosine = new double[layers, layers];
        var std = new double[layers, layers];
        var lastToken = new double[layers, layers];
        var angular = new double[layers, layers];
        for (int i = 0; i < layers; i++)
        {
            for (int j = 0; j < layers; j++)
            {
                cosine[i, j] = tokenSum[i, j] / tokens;
                angular[i, j] = angularSum[i, j] / tokens;
                lastToken[i, j] = lastSum[i, j] / samples.Count;
                double m = perSample.Average(p => p[i, j]);
                std[i, j] = Math.Sqrt(perSample.Sum(p => (p[i, j] - m) * (p[i, j] - m)) / (perSample.Count - 1));
            }
        }
        var influence = Enumerable.Range(0, layers).Select(l => 1 - tokenSum[l, l + 1] / tokens).ToArray();
        return (cosine, std, lastToken, angular, influence);
    }

    private static double Cos(double[] a, double[] b)
    {
        double dot = 0, na = 0, nb = 0;
        for (int k = 0; k < a.Length; k++)
        {
            dot += a[k] * b[k];
            na += a[k] * a[k];
            nb += b[k] * b[k];
        }
        return dot / Math.Sqrt(na * nb);
    }

    public static double MaxDiff(double[][] actual, double[,] expected)
    {
        double max = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            for (int j = 0; j < actual[i].Length; j++)
            {
                max = Math.Max(max, Math.Abs(actual[i][j] - expected[i, j]));
            }
        }
        return max;
    }
}
