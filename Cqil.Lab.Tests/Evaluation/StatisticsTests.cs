using Cqil.Lab.Core;
using Cqil.Lab.Core.Evaluation;

namespace Cqil.Lab.Tests.Evaluation;

/// <summary>Intervals and tests against values computed by hand (formulas evaluated independently).</summary>
public sealed class StatisticsTests
{
    [Theory]
    [InlineData(8, 10, 0.49016247153664183, 0.9433178485456247)]
    [InlineData(0, 10, 0.0, 0.2775327998628892)]
    [InlineData(10, 10, 0.7224672001371107, 1.0)]
    [InlineData(50, 100, 0.4038315303659956, 0.5961684696340044)]
    public void Wilson_interval_matches_known_values(int k, int n, double low, double high)
    {
        var (l, h) = Statistics.Wilson(k, n);
        Assert.Equal(low, l, 1e-12);
        Assert.Equal(high, h, 1e-12);
    }

    [Theory]
    [InlineData(1, 9, 0.021484375)] // 2 · (C(10,0) + C(10,1)) / 2^10 = 22/1024
    [InlineData(9, 1, 0.021484375)]
    [InlineData(0, 5, 0.0625)] // 2 / 2^5
    [InlineData(4, 4, 1.0)]
    [InlineData(0, 0, 1.0)]
    [InlineData(90, 110, 0.17896403953325127)] // large n stays accurate
    public void McNemar_exact_p_matches_known_values(int b, int c, double p)
    {
        Assert.Equal(p, Statistics.McNemarExactP(b, c), 1e-12);
    }

    [Fact]
    public void Standard_error_is_lm_evals_sample_std_over_root_n()
    {
        // 0/1 outcomes with p = 0.3 over 10 items: sqrt(p(1-p)/(n-1)) = sqrt(0.21/9).
        var m = TaskMetrics.Proportion("acc", [true, true, true, false, false, false, false, false, false, false]);
        Assert.Equal(0.3, m.Value, 1e-12);
        Assert.Equal(Math.Sqrt(0.21 / 9), m.StdErr!.Value, 1e-12);
        Assert.Equal("wilson", m.Interval);
        Assert.Equal(Statistics.Wilson(3, 10).Low, m.Low!.Value, 1e-12);
    }

    [Fact]
    public void Paired_bootstrap_matches_the_exact_resampling_distribution()
    {
        // Differences: 10 items +1, 90 items 0. A resample's mean is Binomial(100, 0.1)/100, whose 2.5% and
        // 97.5% quantiles are 5/100 and 16/100 (CDF(4) = 0.0237, CDF(5) = 0.0576, CDF(15) = 0.9601, CDF(16) = 0.9794).
        var baseline = Enumerable.Repeat(false, 10).Concat(Enumerable.Repeat(true, 90)).ToArray();
        var candidate = Enumerable.Repeat(true, 100).ToArray();
        var c = PairedComparison.Compare("acc", baseline, candidate, resamples: 10_000, seed: 42);
        Assert.Equal(0.9, c.BaselineAccuracy, 1e-12);
        Assert.Equal(1.0, c.CandidateAccuracy, 1e-12);
        Assert.Equal(0.1, c.Difference, 1e-12);
        Assert.InRange(c.BootstrapLow, 0.04, 0.05);
        Assert.InRange(c.BootstrapHigh, 0.16, 0.17);
        Assert.Equal(0, c.BaselineOnly);
        Assert.Equal(10, c.CandidateOnly);
        Assert.Equal(2.0 / 1024, c.McNemarP, 1e-12);
    }

    [Fact]
    public void Paired_bootstrap_is_fixed_by_its_seed_and_degenerate_for_constant_differences()
    {
        var rng = new Random(1);
        var a = Enumerable.Range(0, 300).Select(_ => rng.NextDouble() < 0.6).ToArray();
        var b = Enumerable.Range(0, 300).Select(_ => rng.NextDouble() < 0.5).ToArray();
        var first = PairedComparison.Compare("acc", a, b, 2000, seed: 7);
        var again = PairedComparison.Compare("acc", a, b, 2000, seed: 7);
        var other = PairedComparison.Compare("acc", a, b, 2000, seed: 8);
        Assert.Equal(first, again);
        Assert.NotEqual(first.BootstrapLow, other.BootstrapLow);
        Assert.True(first.BootstrapLow < first.Difference && first.Difference < first.BootstrapHigh);

        var same = PairedComparison.Compare("acc", a, a, 500, seed: 1);
        Assert.Equal((0.0, 0.0), (same.BootstrapLow, same.BootstrapHigh));
        Assert.Equal(1.0, same.McNemarP);
    }

    [Fact]
    public void SplitMix64_reproduces_its_reference_sequence()
    {
        // First outputs of SplitMix64 seeded with 0 (the published test vector).
        var rng = new SplitMix64(0);
        Assert.Equal(0xE220A8397B1DCDAFUL, rng.Next());
        Assert.Equal(0x6E789E6AA1B965F4UL, rng.Next());
        Assert.Equal(0x06C45D188009454FUL, rng.Next());
    }

    [Fact]
    public void Perplexity_metrics_follow_lm_eval_aggregation()
    {
        var docs = new[]
        {
            new PerplexityResult(0, "0", -100, 50, 20, 120, 1),
            new PerplexityResult(1, "1", -300, 150, 40, 200, 1),
            new PerplexityResult(2, "2", -50, 30, 10, 80, 1),
        };
        var word = TaskMetrics.RatioPerplexity("word_perplexity", docs, d => d.Words);
        Assert.Equal(Math.Exp(450.0 / 70), word.Value, 1e-9);
        var bpb = TaskMetrics.BitsPerByte(docs);
        Assert.Equal(450.0 / 400 / Math.Log(2), bpb.Value, 1e-12);
        Assert.True(word.Low < word.Value && word.Value < word.High);
        // Ratio delta method: se(R) = sqrt(Σ(xᵢ − R·wᵢ)² / (n(n−1))) / mean(w).
        double r = 450.0 / 70, s = Math.Sqrt((Math.Pow(100 - r * 20, 2) + Math.Pow(300 - r * 40, 2) + Math.Pow(50 - r * 10, 2)) / 6) / (70.0 / 3);
        Assert.Equal(word.Value * s, word.StdErr!.Value, 1e-9);

        var ppl = TaskMetrics.MeanLogLikelihoodPerplexity([-1.0, -2.0, -3.0]);
        Assert.Equal(Math.Exp(2.0), ppl.Value, 1e-12);
        Assert.Equal(Math.Exp(2.0) * (1.0 / Math.Sqrt(3)), ppl.StdErr!.Value, 1e-12);
    }
}
