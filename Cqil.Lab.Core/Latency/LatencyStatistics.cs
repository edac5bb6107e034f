namespace Cqil.Lab.Core.Latency;

/// <summary>Summary of latency samples (milliseconds): percentiles, mean ± sd, and the raw samples.</summary>
public sealed record LatencyStatistics(int Count, double Mean, double StdDev, double P50, double P90, double P99, double Min, double Max, double[] Samples)
{
    public static LatencyStatistics Of(IReadOnlyList<double> samples)
    {
        if (samples.Count == 0)
        {
            throw new ArgumentException("no samples");
        }
        var sorted = samples.Order().ToArray();
        double mean = samples.Average();
        double sd = samples.Count > 1 ? Math.Sqrt(samples.Sum(x => (x - mean) * (x - mean)) / (samples.Count - 1)) : 0;
        return new LatencyStatistics(samples.Count, mean, sd, Percentile(sorted, 50), Percentile(sorted, 90), Percentile(sorted, 99),
            sorted[0], sorted[^1], samples.ToArray());
    }

    /// <summary>Linear interpolation between closest ranks (NumPy's default): rank = p/100 · (n − 1).</summary>
    public static double Percentile(IReadOnlyList<double> sorted, double p)
    {
        if (sorted.Count == 1)
        {
            return sorted[0];
        }
        double rank = p / 100 * (sorted.Count - 1);
        int low = (int)Math.Floor(rank);
        int high = Math.Min(low + 1, sorted.Count - 1);
        return sorted[low] + (rank - low) * (sorted[high] - sorted[low]);
    }
}
