namespace Cqil.Lab.Core.Evaluation;

/// <summary>
/// Two systems scored on the same items (a plan against the baseline): both accuracies, their difference
/// (candidate − baseline) with a paired bootstrap 95% interval (items resampled with replacement, percentile
/// interval, fixed seed), and McNemar's exact two-sided p-value on the discordant items. A difference whose
/// interval excludes 0 and whose p is small is unlikely to be noise of the item sample.
/// </summary>
public sealed record PairedComparison(
    string Metric,
    int N,
    double BaselineAccuracy,
    double CandidateAccuracy,
    double Difference,
    double BootstrapLow,
    double BootstrapHigh,
    int Resamples,
    ulong Seed,
    int BaselineOnly,
    int CandidateOnly,
    double McNemarP)
{
    public const ulong DefaultSeed = 1234;
    public const int DefaultResamples = 10_000;

    public static PairedComparison Compare(string metric, IReadOnlyList<bool> baseline, IReadOnlyList<bool> candidate, int resamples = DefaultResamples, ulong seed = DefaultSeed)
    {
        if (baseline.Count != candidate.Count)
        {
            throw new ArgumentException($"paired runs need the same items: {baseline.Count} vs {candidate.Count}");
        }
        if (baseline.Count == 0)
        {
            throw new ArgumentException("no items to compare");
        }
        if (resamples < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(resamples));
        }
        int n = baseline.Count;
        var difference = new int[n];
        int b = 0, c = 0, baseCorrect = 0, candCorrect = 0;
        for (int i = 0; i < n; i++)
        {
            difference[i] = (candidate[i] ? 1 : 0) - (baseline[i] ? 1 : 0);
            baseCorrect += baseline[i] ? 1 : 0;
            candCorrect += candidate[i] ? 1 : 0;
            if (baseline[i] && !candidate[i])
            {
                b++;
            }
            else if (!baseline[i] && candidate[i])
            {
                c++;
            }
        }
        var (low, high) = PairedBootstrap(difference, resamples, seed);
        return new PairedComparison(metric, n, (double)baseCorrect / n, (double)candCorrect / n, (double)(candCorrect - baseCorrect) / n,
            low, high, resamples, seed, b, c, Statistics.McNemarExactP(b, c));
    }

    /// <summary>
    /// Percentile 95% interval of the mean of per-item differences over <paramref name="resamples"/> resamples of
    /// the items with replacement (<see cref="SplitMix64"/> seeded with <paramref name="seed"/>).
    /// </summary>
    public static (double Low, double High) PairedBootstrap(IReadOnlyList<int> differences, int resamples, ulong seed)
    {
        int n = differences.Count;
        var rng = new SplitMix64(seed);
        var means = new double[resamples];
        for (int r = 0; r < resamples; r++)
        {
            long sum = 0;
            for (int i = 0; i < n; i++)
            {
                sum += differences[rng.NextInt(n)];
            }
            means[r] = (double)sum / n;
        }
        Array.Sort(means);
        return (Statistics.Quantile(means, 0.025), Statistics.Quantile(means, 0.975));
    }

    /// <summary>Pairs two runs' per-item outcomes by item index; both must cover exactly the same items.</summary>
    public static PairedComparison Compare(string metric, IReadOnlyDictionary<int, bool> baseline, IReadOnlyDictionary<int, bool> candidate, int resamples = DefaultResamples, ulong seed = DefaultSeed)
    {
        var missing = baseline.Keys.Except(candidate.Keys).Concat(candidate.Keys.Except(baseline.Keys)).Take(5).ToArray();
        if (missing.Length > 0)
        {
            throw new InvalidInputException($"the two runs did not score the same items (e.g. item {string.Join(", ", missing)} is in only one); run both with the same --limit and seed");
        }
        var keys = baseline.Keys.Order().ToArray();
        return Compare(metric, keys.Select(k => baseline[k]).ToArray(), keys.Select(k => candidate[k]).ToArray(), resamples, seed);
    }
}
