using System.Globalization;
using System.Text;
using Cqil.Lab.Core.Evaluation;

namespace Cqil.Lab.Core.Jobs;

/// <summary>A task score of one system: the metric with its interval, and against the baseline on the same items.</summary>
public sealed record TaskScore(string Task, string Metric, double Value, double? Low, double? High, int N,
    double? Difference, double? DifferenceLow, double? DifferenceHigh, [property: System.Text.Json.Serialization.JsonPropertyName("mcnemar_p")] double? McNemarP, bool Partial);

/// <summary>One system's latency in one mode (ms): percentiles of prefill and of per-token decode, and the speedup over the baseline.</summary>
public sealed record LatencyCell(string Mode, double PrefillP50, double PrefillP90, double DecodeP50, double DecodeP90, int Repetitions,
    double? PrefillSpeedup, double? DecodeSpeedup, double? DecodeSpeedupLow, double? DecodeSpeedupHigh, string? Note, bool Partial);

/// <summary>A row of the side-by-side table: the baseline or a plan.</summary>
public sealed record SummaryRow(string Label, string Plan, Guid? PlanId, IReadOnlyList<TaskScore> Scores, FidelityReport? Fidelity, IReadOnlyList<LatencyCell> Latency);

/// <summary>A finished job's result, as the summary reads it.</summary>
public sealed record JobResultInput(JobKind Kind, string ResultJson, bool Partial);

/// <summary>
/// The results of a run side by side: the baseline and every plan, with accuracy (interval, paired difference and
/// McNemar p against the baseline), fidelity and latency percentiles per mode. Serialized as the run's JSON export
/// (schema cqil-lab/run-results) and as CSV.
/// </summary>
public sealed record RunSummary
{
    public const string SchemaName = "cqil-lab/run-results";

    public string Schema { get; init; } = SchemaName;
    public int SchemaVersion { get; init; } = 1;
    public required Guid RunId { get; init; }
    public required string Name { get; init; }
    public required string Model { get; init; }
    public required DateTime CreatedUtc { get; init; }
    public required IReadOnlyList<string> Tasks { get; init; }
    public required IReadOnlyList<SummaryRow> Rows { get; init; }

    /// <summary>Some result in the run covers only part of its work.</summary>
    public bool Partial { get; init; }

    /// <summary>The machines (and software) the run's latencies were measured on, one line each; compare only alike.</summary>
    public IReadOnlyList<string> LatencyMeasuredOn { get; init; } = [];

    /// <summary>The compute dtypes the run's results were computed in (f32, bf16, f16): one for a run started at once.</summary>
    public IReadOnlyList<string> Dtypes { get; init; } = [];

    /// <summary>Each latency job's full report (thread counts, projection), in the order the jobs are listed.</summary>
    public IReadOnlyList<LatencyStudy> LatencyStudies { get; init; } = [];

    public static RunSummary Build(Guid runId, string name, string model, DateTime created, IEnumerable<JobResultInput> results)
    {
        var rows = new List<(string Label, string Plan, Guid? PlanId, List<TaskScore> Scores, FidelityReport? Fidelity, List<LatencyCell> Latency)>();
        (string Label, string Plan, Guid? PlanId, List<TaskScore> Scores, FidelityReport? Fidelity, List<LatencyCell> Latency) Row(string label, string plan, Guid? id)
        {
            int i = rows.FindIndex(r => r.Label == label);
            if (i < 0)
            {
                rows.Add((label, plan, id, [], null, []));
                i = rows.Count - 1;
            }
            return rows[i];
        }
        var tasks = new List<string>();
        var machines = new List<string>();
        var studies = new List<LatencyStudy>();
        var dtypes = new List<string>();
        void Dtype(string dtype)
        {
            if (!dtypes.Contains(dtype))
            {
                dtypes.Add(dtype);
            }
        }
        bool partial = false;
        Row("baseline", "baseline", null);
        foreach (var input in results)
        {
            partial |= input.Partial;
            if (input.Kind == JobKind.Evaluation)
            {
                var e = JobResults.Evaluation(input.ResultJson);
                Dtype(e.Dtype);
                if (!tasks.Contains(e.Task))
                {
                    tasks.Add(e.Task);
                }
                foreach (var entry in e.Entries)
                {
                    var row = Row(entry.Label, entry.Plan, entry.PlanId);
                    var metric = entry.Metrics.FirstOrDefault(m => m.Name == "acc") ?? entry.Metrics[0];
                    var cmp = entry.Comparisons.FirstOrDefault(c => c.Metric == metric.Name);
                    row.Scores.Add(new TaskScore(e.Task, metric.Name, metric.Value, metric.Low, metric.High, metric.N,
                        cmp?.Difference, cmp?.BootstrapLow, cmp?.BootstrapHigh, cmp?.McNemarP, e.Partial));
                    if (entry.Fidelity is not null)
                    {
                        int at = rows.FindIndex(r => r.Label == entry.Label);
                        rows[at] = rows[at] with { Fidelity = entry.Fidelity };
                    }
                }
            }
            else if (input.Kind == JobKind.Latency)
            {
                var l = JobResults.Latency(input.ResultJson);
                var report = l.Report;
                Dtype(report.Dtype);
                studies.Add(new LatencyStudy(l.PlanName, l.PlanId, report));
                if (report.Machine.OneLine() is var machine && !machines.Contains(machine))
                {
                    machines.Add(machine);
                }
                var baseRow = Row("baseline", "baseline", null);
                if (baseRow.Latency.Count == 0)
                {
                    baseRow.Latency.Add(Cell(report.Baseline, report.Partial, report.Settings.Repetitions));
                }
                var planRow = Row(l.PlanName, report.Runs.FirstOrDefault()?.Plan ?? l.PlanName, l.PlanId);
                foreach (var run in report.Runs)
                {
                    planRow.Latency.Add(Cell(run, report.Partial, report.Settings.Repetitions));
                }
            }
        }
        return new RunSummary
        {
            RunId = runId,
            Name = name,
            Model = model,
            CreatedUtc = created,
            Tasks = tasks,
            Rows = rows.Select(r => new SummaryRow(r.Label, r.Plan, r.PlanId, r.Scores, r.Fidelity, r.Latency)).ToList(),
            Partial = partial,
            LatencyMeasuredOn = machines,
            LatencyStudies = studies,
            Dtypes = dtypes,
        };
    }

    private static LatencyCell Cell(Latency.RunnerLatency r, bool partial, int repetitions) => new(r.Mode, r.Prefill.P50, r.Prefill.P90,
        r.DecodePerToken.P50, r.DecodePerToken.P90, r.Prefill.Count, r.PrefillSpeedup?.Speedup, r.DecodeSpeedup?.Speedup, r.DecodeSpeedup?.Low, r.DecodeSpeedup?.High,
        r.SpeedupNote, partial);

    public string ToJson() => JobJson.Write(this);

    public static RunSummary Parse(string json) => JobJson.Read<RunSummary>(json, "run results");

    /// <summary>One line per system, task and latency mode (empty cells where a system has none).</summary>
    public string ToCsv()
    {
        var c = CultureInfo.InvariantCulture;
        string F(double? v) => v is double d && !double.IsNaN(d) ? d.ToString("G6", c) : "";
        string Q(string s) => s.IndexOfAny([',', '"', '\n']) >= 0 ? "\"" + s.Replace("\"", "\"\"") + "\"" : s;
        var sb = new StringBuilder();
        sb.AppendLine("run,system,plan,task,metric,value,low,high,n,diff_vs_baseline,diff_low,diff_high,mcnemar_p,top1_agreement,mean_kl,mode,prefill_p50_ms,prefill_p90_ms,decode_p50_ms,decode_p90_ms,decode_speedup,decode_speedup_low,decode_speedup_high,partial");
        foreach (var row in Rows)
        {
            var scores = row.Scores.Count > 0 ? row.Scores.Select(s => (TaskScore?)s).ToList() : [null];
            var cells = row.Latency.Count > 0 ? row.Latency.Select(l => (LatencyCell?)l).ToList() : [null];
            foreach (var s in scores)
            {
                foreach (var l in cells)
                {
                    sb.AppendLine(string.Join(",",
                        Q(Name), Q(row.Label), Q(row.Plan), Q(s?.Task ?? ""), Q(s?.Metric ?? ""), F(s?.Value), F(s?.Low), F(s?.High), s?.N.ToString(c) ?? "",
                        F(s?.Difference), F(s?.DifferenceLow), F(s?.DifferenceHigh), F(s?.McNemarP), F(row.Fidelity?.Top1Agreement), F(row.Fidelity?.MeanKl),
                        Q(l?.Mode ?? ""), F(l?.PrefillP50), F(l?.PrefillP90), F(l?.DecodeP50), F(l?.DecodeP90), F(l?.DecodeSpeedup), F(l?.DecodeSpeedupLow), F(l?.DecodeSpeedupHigh),
                        (s?.Partial ?? false) || (l?.Partial ?? false) ? "true" : "false"));
                }
            }
        }
        return sb.ToString();
    }
}

/// <summary>A system's accuracy against its latency, for the Pareto chart.</summary>
public sealed record ParetoPoint(string Run, string System, string Plan, string Task, string Mode, double LatencyMs, double Accuracy)
{
    /// <summary>Points over every run: each system's accuracy on a task against its decode latency (p50, ms/token) in each mode.</summary>
    public static IReadOnlyList<ParetoPoint> From(IEnumerable<RunSummary> runs, string? task = null) =>
        runs.SelectMany(run => run.Rows.SelectMany(row => row.Scores
            .Where(s => task is null || s.Task == task)
            .SelectMany(s => row.Latency.Select(l => new ParetoPoint(run.Name, row.Label, row.Plan, s.Task, l.Mode, l.DecodeP50, s.Value)))))
        .ToList();

    /// <summary>The points no other point beats on both axes (lower latency and higher accuracy), by latency.</summary>
    public static IReadOnlyList<ParetoPoint> Frontier(IEnumerable<ParetoPoint> points)
    {
        var frontier = new List<ParetoPoint>();
        double best = double.NegativeInfinity;
        foreach (var p in points.Where(p => !double.IsNaN(p.LatencyMs) && !double.IsNaN(p.Accuracy)).OrderBy(p => p.LatencyMs).ThenByDescending(p => p.Accuracy))
        {
            if (p.Accuracy > best)
            {
                frontier.Add(p);
                best = p.Accuracy;
            }
        }
        return frontier;
    }
}
