using System.Globalization;

namespace Cqil.Lab.Core.Latency;

/// <summary>
/// The most of the ideal reduction a group can realize on a CPU when each member runs on its own core, from the
/// baseline's own thread trials: with s = its one-thread time over its best time, a group of P layers side by
/// side costs at least s layer-times (each member runs like a lone layer on one core), so at most (P − s)/(P − 1)
/// of the ideal reduction is realized. Whole-model times stand in for one layer's. Fused execution passes it only
/// by doing the same arithmetic more efficiently per core than a lone layer does.
/// </summary>
public sealed record ConcurrencyCeiling(string Phase, int GroupSize, double OneThreadOverBest, int BestThreads, double Fraction)
{
    /// <summary>Null where it does not apply: not a CPU run, no group, or the baseline's one-thread time was not measured.</summary>
    public static ConcurrencyCeiling? Of(LatencyReport report, bool decode)
    {
        if (report.Device != "cpu" || report.LargestGroup < 2 || (decode && report.Settings.DecodeTokens == 0))
        {
            return null;
        }
        var trials = report.ThreadTrials.Where(t => t.Runner == report.Baseline.Label).ToArray();
        double Time(ThreadTrial t) => decode ? t.DecodeMsPerToken : t.PrefillMs;
        var single = trials.FirstOrDefault(t => t.Threads == 1);
        if (single is null || !(Time(single) > 0))
        {
            return null;
        }
        var best = trials.MinBy(Time)!;
        double s = Time(single) / Time(best);
        int p = report.LargestGroup;
        return new ConcurrencyCeiling(decode ? "decode" : "prefill", p, s, best.Threads, (p - s) / (p - 1));
    }

    /// <summary>The ceilings that apply to a report: prefill, then decode.</summary>
    public static IEnumerable<ConcurrencyCeiling> All(LatencyReport report) =>
        new[] { Of(report, decode: false), Of(report, decode: true) }.OfType<ConcurrencyCeiling>();

    public string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"Ceiling for one core per group member ({Phase}): the baseline's 1-thread time is {OneThreadOverBest:F2}x its best ({BestThreads} thread(s)), "
        + $"so side by side a group of {GroupSize} saves at most {Fraction:F2} of the ideal reduction (fused passes this only by being more efficient per core than a lone layer).");
}
