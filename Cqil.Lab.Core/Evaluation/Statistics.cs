namespace Cqil.Lab.Core.Evaluation;

/// <summary>The statistics every reported number carries: standard errors, intervals and exact tests.</summary>
public static class Statistics
{
    /// <summary>The two-sided 95% normal quantile.</summary>
    public const double Z95 = 1.959963984540054;

    public static double Mean(IReadOnlyList<double> values) => values.Count == 0 ? double.NaN : values.Sum() / values.Count;

    /// <summary>Sample standard deviation (n − 1 in the denominator); NaN below two values.</summary>
    public static double SampleStdDev(IReadOnlyList<double> values)
    {
        if (values.Count < 2)
        {
            return double.NaN;
        }
        double mean = Mean(values);
        double sum = 0;
        foreach (double v in values)
        {
            sum += (v - mean) * (v - mean);
        }
        return Math.Sqrt(sum / (values.Count - 1));
    }

    /// <summary>lm-eval's standard error of a mean: sample standard deviation / √n.</summary>
    public static double StandardErrorOfMean(IReadOnlyList<double> values) => SampleStdDev(values) / Math.Sqrt(values.Count);

    /// <summary>
    /// Wilson score interval for <paramref name="successes"/> out of <paramref name="n"/>:
    /// (p̂ + z²/2n ± z·√(p̂(1−p̂)/n + z²/4n²)) / (1 + z²/n). Unlike p̂ ± z·se it stays inside [0, 1] and keeps
    /// its coverage near 0 and 1 and for small n.
    /// </summary>
    public static (double Low, double High) Wilson(int successes, int n, double z = Z95)
    {
        if (n <= 0 || successes < 0 || successes > n)
        {
            throw new ArgumentOutOfRangeException(nameof(successes), $"need 0 <= successes <= n and n > 0, got {successes}/{n}");
        }
        double p = (double)successes / n, z2 = z * z;
        double denominator = 1 + z2 / n;
        double center = (p + z2 / (2 * n)) / denominator;
        double half = z * Math.Sqrt(p * (1 - p) / n + z2 / (4.0 * n * n)) / denominator;
        return (Math.Max(0, center - half), Math.Min(1, center + half));
    }

    /// <summary>
    /// McNemar's exact test on the discordant pairs: <paramref name="b"/> items only the first system got
    /// right, <paramref name="c"/> only the second. Two-sided p = min(1, 2·P(X ≤ min(b, c))), X ~ Binomial(b + c, ½).
    /// </summary>
    public static double McNemarExactP(int b, int c)
    {
        if (b < 0 || c < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(b), "counts must be non-negative");
        }
        int n = b + c;
        if (n == 0)
        {
            return 1.0;
        }
        int k = Math.Min(b, c);
        // Σ_{i≤k} C(n, i) / 2^n, with the terms in log space so large n neither overflows nor underflows early.
        double logHalfN = -n * Math.Log(2);
        double logC = 0, tail = 0;
        for (int i = 0; i <= k; i++)
        {
            if (i > 0)
            {
                logC += Math.Log(n - i + 1) - Math.Log(i);
            }
            tail += Math.Exp(logC + logHalfN);
        }
        return Math.Min(1.0, 2 * tail);
    }

    /// <summary>The q-quantile of sorted values with linear interpolation between order statistics (numpy's default).</summary>
    public static double Quantile(double[] sorted, double q)
    {
        if (sorted.Length == 0)
        {
            return double.NaN;
        }
        double position = q * (sorted.Length - 1);
        int lower = (int)Math.Floor(position);
        int upper = Math.Min(lower + 1, sorted.Length - 1);
        return sorted[lower] + (position - lower) * (sorted[upper] - sorted[lower]);
    }
}
