using Cqil.Lab.Core.Latency;

namespace Cqil.Lab.Tests.Latency;

public sealed class LatencyStatisticsTests
{
    [Fact]
    public void Percentiles_mean_and_sd_match_known_values()
    {
        // NumPy: np.percentile(range(1, 11), [50, 90, 99]) = 5.5, 9.1, 9.91; np.std(x, ddof=1) = 3.0276503540974917
        var stats = LatencyStatistics.Of([7, 3, 10, 1, 5, 2, 9, 4, 8, 6]);
        Assert.Equal(5.5, stats.P50, 12);
        Assert.Equal(9.1, stats.P90, 12);
        Assert.Equal(9.91, stats.P99, 12);
        Assert.Equal(5.5, stats.Mean, 12);
        Assert.Equal(3.0276503540974917, stats.StdDev, 12);
        Assert.Equal(1, stats.Min);
        Assert.Equal(10, stats.Max);
        Assert.Equal(10, stats.Samples.Length);
    }

    [Fact]
    public void Single_sample_has_zero_spread()
    {
        var stats = LatencyStatistics.Of([4.2]);
        Assert.Equal(4.2, stats.P99);
        Assert.Equal(0, stats.StdDev);
    }

    [Fact]
    public void Bootstrap_of_two_pairs_spans_exactly_the_extreme_resamples()
    {
        // Two paired repetitions: resampling pairs gives {0,0}, {0,1}, {1,0}, {1,1}, each a quarter of the time,
        // so the 2.5% and 97.5% percentiles are the lowest and highest of the three distinct ratios.
        double[] baseline = [10, 30];
        double[] candidate = [8, 12];
        var estimate = SpeedupEstimate.Paired(baseline, candidate, resamples: 4000);
        Assert.Equal(40.0 / 20.0, estimate.Speedup, 12);
        Assert.Equal(Math.Min(10.0 / 8, 30.0 / 12), estimate.Low, 12);
        Assert.Equal(Math.Max(10.0 / 8, 30.0 / 12), estimate.High, 12);
        Assert.Equal(1 - 1 / 2.0, estimate.Reduction, 12);
    }

    [Fact]
    public void Constant_ratio_gives_a_degenerate_interval_and_the_seed_reproduces_it()
    {
        var a = SpeedupEstimate.Paired([2, 4, 6, 8], [1, 2, 3, 4]);
        Assert.Equal((2.0, 2.0, 2.0), (a.Speedup, a.Low, a.High));
        double[] noisyBase = [10, 11, 9, 12, 10.5, 9.5];
        double[] noisyPlan = [8, 9.5, 7, 9, 8.8, 7.1];
        Assert.Equal(SpeedupEstimate.Paired(noisyBase, noisyPlan, seed: 5), SpeedupEstimate.Paired(noisyBase, noisyPlan, seed: 5));
        var e = SpeedupEstimate.Paired(noisyBase, noisyPlan);
        Assert.True(e.Low <= e.Speedup && e.Speedup <= e.High);
    }
}
