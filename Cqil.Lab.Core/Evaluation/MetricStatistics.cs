namespace Cqil.Lab.Core.Evaluation;

/// <summary>
/// One reported metric with its uncertainty: value, standard error, 95% interval and how the interval was
/// made ("wilson" for accuracies; "delta-log" for perplexities: the normal interval of the mean
/// negative log-likelihood, exponentiated; "delta" for bits per byte). Null where n is too small.
/// </summary>
public sealed record MetricStatistics(string Name, double Value, double? StdErr, double? Low, double? High, string Interval, int N, bool HigherIsBetter);
