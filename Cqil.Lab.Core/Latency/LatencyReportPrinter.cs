using System.Globalization;

namespace Cqil.Lab.Core.Latency;

/// <summary>Markdown tables of a latency report, for the console and the README.</summary>
public static class LatencyReportPrinter
{
    public static void Print(LatencyReport report, TextWriter output)
    {
        var c = CultureInfo.InvariantCulture;
        var s = report.Settings;
        output.WriteLine(string.Create(c, $"{report.Model.Name} ({report.Dtype}) on {report.Machine.Cpu}, {report.Machine.LogicalCores} cores{(report.Machine.Gpu is { } g ? ", " + g : "")}; "
            + $"batch {s.Batch}, prompt {s.PromptLength}, {s.DecodeTokens} decode tokens, {s.Repetitions} interleaved repetitions after {s.Warmup} warm-up; {report.Machine.SoftwareSettings()}"));
        output.WriteLine();
        output.WriteLine("| runner | mode | threads (prefill/decode) | prefill ms p50 / p90 / p99 | prefill mean ± sd | decode ms/token p50 / p90 / p99 | decode mean ± sd | decode tokens/s | speedup prefill [95% CI] | speedup decode [95% CI] | realized/ideal (prefill, decode) |");
        output.WriteLine("|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var r in report.Runs.Prepend(report.Baseline))
        {
            string Speed(SpeedupEstimate? e) => e is null ? (r.Mode == "baseline" ? "1 (baseline)" : "none claimed") : string.Create(c, $"{e.Speedup:F3} [{e.Low:F3}, {e.High:F3}]");
            string realized = r.PrefillRealized is null && r.DecodeRealized is null ? "–"
                : string.Create(c, $"{r.PrefillRealized:F2}, {r.DecodeRealized:F2} (ideal {r.IdealReduction:P1})");
            output.WriteLine(string.Create(c,
                $"| {r.Label} | {r.Mode} | {r.PrefillThreads}/{r.DecodeThreads} | {r.Prefill.P50:F2} / {r.Prefill.P90:F2} / {r.Prefill.P99:F2} | {r.Prefill.Mean:F2} ± {r.Prefill.StdDev:F2} "
                + $"| {r.DecodePerToken.P50:F3} / {r.DecodePerToken.P90:F3} / {r.DecodePerToken.P99:F3} | {r.DecodePerToken.Mean:F3} ± {r.DecodePerToken.StdDev:F3} | {r.DecodeTokensPerSecond:F1} "
                + $"| {Speed(r.PrefillSpeedup)} | {Speed(r.DecodeSpeedup)} | {realized} |"));
        }
        var baselineTrials = report.ThreadTrials.Where(t => t.Runner == report.Baseline.Label).ToArray();
        output.WriteLine();
        output.WriteLine("Baseline at each thread count (median ms over the measured rounds): " + string.Join("; ", baselineTrials.Select(t => string.Create(c, $"{t.Threads} → prefill {t.PrefillMs:F2}, decode {t.DecodeMsPerToken:F3}/token")))
            + string.Create(c, $"; reported at {report.Baseline.PrefillThreads} for prefill and {report.Baseline.DecodeThreads} for decode (its own fastest in those rounds, same weight layout as every plan mode)."));
        foreach (var ceiling in ConcurrencyCeiling.All(report))
        {
            output.WriteLine(ceiling.Describe());
        }
        foreach (var note in report.Runs.Where(r => r.SpeedupNote is not null).Select(r => $"{r.Label}: {r.SpeedupNote}").Distinct())
        {
            output.WriteLine(note + ".");
        }
        if (report.Projection is { } p)
        {
            output.WriteLine();
            output.WriteLine(string.Create(c, $"Projection for {p.Plan} (unit times: prefill layer {p.Prefill.LayerMs:F3} ms, non-layer {p.Prefill.NonLayerMs:F3} ms; decode layer {p.Decode.LayerMs:F4} ms, non-layer {p.Decode.NonLayerMs:F4} ms):"));
            output.WriteLine("| phase | setting | sequential (unit times) ms | ideal ms | predicted ms | measured baseline ms | measured ms | ideal / predicted / measured reduction | prediction error |");
            output.WriteLine("|---|---|---|---|---|---|---|---|---|");
            foreach (var row in p.Rows)
            {
                output.WriteLine(string.Create(c,
                    $"| {row.Phase} | {row.Setting} | {row.SequentialMs:F3} | {row.IdealMs:F3} | {row.PredictedMs:F3} | {(row.MeasuredBaselineMs is double mb ? mb.ToString("F3", c) : "–")} | {(row.MeasuredMs is double m ? m.ToString("F3", c) : "–")} "
                    + $"| {row.IdealReduction:P1} / {row.PredictedReduction:P1} / {(row.MeasuredReduction is double mr ? mr.ToString("P1", c) : "–")} | {(row.Error is double e ? e.ToString("P1", c) : "–")} |"));
            }
            output.WriteLine(p.Notes);
        }
    }
}
