namespace Cqil.Lab.Core.Latency;

/// <summary>
/// How much faster a candidate is than the baseline: mean(baseline) / mean(candidate), with a percentile
/// bootstrap 95% interval. Measurements are interleaved (A, B, A, B…), so repetition i of both sides saw the
/// same moment of the machine; the bootstrap resamples those pairs.
/// </summary>
public sealed record SpeedupEstimate(double Speedup, double Low, double High, double Reduction, int Resamples, ulong Seed)
{
    public static SpeedupEstimate Paired(IReadOnlyList<double> baseline, IReadOnlyList<double> candidate, int resamples = 2000, ulong seed = 20240406)
    {
        if (baseline.Count != candidate.Count || baseline.Count == 0)
        {
            throw new ArgumentException("paired samples of equal, nonzero length are needed");
        }
        int n = baseline.Count;
        double point = baseline.Average() / candidate.Average();
        var draws = new double[resamples];
        var random = new SplitMix64(seed);
        for (int r = 0; r < resamples; r++)
        {
            double sb = 0, sc = 0;
            for (int i = 0; i < n; i++)
            {
                int k = random.NextInt(n);
                sb += baseline[k];
                sc += candidate[k];
            }
            draws[r] = sb / sc;
        }
        Array.Sort(draws);
        return new SpeedupEstimate(point, LatencyStatistics.Percentile(draws, 2.5), LatencyStatistics.Percentile(draws, 97.5), 1 - 1 / point, resamples, seed);
    }
}
