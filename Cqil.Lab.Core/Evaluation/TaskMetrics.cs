namespace Cqil.Lab.Core.Evaluation;

/// <summary>
/// Aggregates per-item results into the task's metrics, as lm-eval v0.4.1 aggregates them, each with a
/// standard error and a 95% interval:
/// <list type="bullet">
/// <item>acc, acc_norm: mean of 0/1; stderr = sample std / √n (lm-eval's); Wilson interval.</item>
/// <item>perplexity (LAMBADA): exp(−mean log-likelihood); stderr by the delta method (lm-eval bootstraps it).</item>
/// <item>word/byte/token perplexity: exp(Σ −ll / Σ count) over documents; bits_per_byte = Σ −ll / Σ bytes / ln 2;
/// stderr of the ratio by the delta method over documents (lm-eval reports none).</item>
/// </list>
/// </summary>
public static class TaskMetrics
{
    public static IReadOnlyList<MetricStatistics> Compute(EvalTask task, IReadOnlyList<ItemResult> results)
    {
        var metrics = new List<MetricStatistics>();
        foreach (string name in task.Metrics)
        {
            metrics.Add(name switch
            {
                "acc" or "acc_norm" => Proportion(name, results.Select(r => r.Outcome(name) ?? throw new InvalidOperationException($"{name} needs binary outcomes")).ToArray()),
                "perplexity" => MeanLogLikelihoodPerplexity(results.Cast<LastWordResult>().Select(r => r.LogLikelihood).ToArray()),
                "word_perplexity" => RatioPerplexity(name, results.Cast<PerplexityResult>(), r => r.Words),
                "byte_perplexity" => RatioPerplexity(name, results.Cast<PerplexityResult>(), r => r.Bytes),
                "token_perplexity" => RatioPerplexity(name, results.Cast<PerplexityResult>(), r => r.Tokens),
                "bits_per_byte" => BitsPerByte(results.Cast<PerplexityResult>()),
                _ => throw new InvalidOperationException($"unknown metric {name}"),
            });
        }
        return metrics;
    }

    public static MetricStatistics Proportion(string name, IReadOnlyList<bool> outcomes)
    {
        int n = outcomes.Count, k = outcomes.Count(o => o);
        if (n == 0)
        {
            return new MetricStatistics(name, double.NaN, null, null, null, "wilson", 0, true);
        }
        double p = (double)k / n;
        double? stderr = n > 1 ? Math.Sqrt(p * (1 - p) / (n - 1)) : null;
        var (low, high) = Statistics.Wilson(k, n);
        return new MetricStatistics(name, p, stderr, low, high, "wilson", n, true);
    }

    public static MetricStatistics MeanLogLikelihoodPerplexity(IReadOnlyList<double> logLikelihoods)
    {
        int n = logLikelihoods.Count;
        double mean = Statistics.Mean(logLikelihoods);
        double value = Math.Exp(-mean);
        if (n < 2)
        {
            return new MetricStatistics("perplexity", value, null, null, null, "delta-log", n, false);
        }
        double se = Statistics.StandardErrorOfMean(logLikelihoods);
        return new MetricStatistics("perplexity", value, value * se, Math.Exp(-mean - Statistics.Z95 * se), Math.Exp(-mean + Statistics.Z95 * se), "delta-log", n, false);
    }

    public static MetricStatistics RatioPerplexity(string name, IEnumerable<PerplexityResult> documents, Func<PerplexityResult, int> count)
    {
        var (ratio, se, n) = Ratio(documents.ToArray(), count);
        double value = Math.Exp(ratio);
        return se is double s
            ? new MetricStatistics(name, value, value * s, Math.Exp(ratio - Statistics.Z95 * s), Math.Exp(ratio + Statistics.Z95 * s), "delta-log", n, false)
            : new MetricStatistics(name, value, null, null, null, "delta-log", n, false);
    }

    public static MetricStatistics BitsPerByte(IEnumerable<PerplexityResult> documents)
    {
        var (ratio, se, n) = Ratio(documents.ToArray(), r => r.Bytes);
        double value = ratio / Math.Log(2);
        return se is double s
            ? new MetricStatistics("bits_per_byte", value, s / Math.Log(2), (ratio - Statistics.Z95 * s) / Math.Log(2), (ratio + Statistics.Z95 * s) / Math.Log(2), "delta", n, false)
            : new MetricStatistics("bits_per_byte", value, null, null, null, "delta", n, false);
    }

    /// <summary>
    /// R = Σ(−ll) / Σcount and its delta-method standard error over documents:
    /// se(R) = √(Σ(−llᵢ − R·countᵢ)² / (n(n−1))) / mean(count).
    /// </summary>
    private static (double Ratio, double? StdErr, int N) Ratio(PerplexityResult[] docs, Func<PerplexityResult, int> count)
    {
        int n = docs.Length;
        double nll = docs.Sum(d => -d.LogLikelihood);
        double total = docs.Sum(d => (double)count(d));
        double ratio = nll / total;
        if (n < 2)
        {
            return (ratio, null, n);
        }
        double sum = docs.Sum(d => Math.Pow(-d.LogLikelihood - ratio * count(d), 2));
        double meanCount = total / n;
        return (ratio, Math.Sqrt(sum / (n * (double)(n - 1))) / meanCount, n);
    }
}
