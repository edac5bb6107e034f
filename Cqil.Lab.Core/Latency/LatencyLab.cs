using Cqil.Lab.Core.Cqil;
using Cqil.Lab.Core.Cqil.Execution;
using Cqil.Lab.Core.Model;
using static TorchSharp.torch;

namespace Cqil.Lab.Core.Latency;

/// <summary>
/// A full latency study of one plan: the baseline and the plan in each requested mode measured side by side
/// (<see cref="LatencyRunner"/>), unit times profiled between the same rounds (<see cref="UnitTimeProfiler"/>),
/// and a projection — ideal, predicted and measured next to each other, on this machine and on P devices
/// linked by NVLink or PCIe.
/// </summary>
public static class LatencyLab
{
    public static LatencyReport Run(LlamaModel model, GroupPlan plan, IReadOnlyList<ExecutionMode> modes, LatencySettings settings,
        bool project = true, ConcurrentOptions? concurrent = null, IProgress<LatencyProgress>? progress = null, CancellationToken cancellationToken = default,
        bool keepPartial = false)
    {
        project &= !plan.IsBaseline;
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var sizes = plan.MultiLayerGroups.Select(g => g.Count).Distinct().ToArray();
        // Unit times are profiled between the measured rounds, by probes that run with the runners' thread counts.
        using var profiler = project
            ? new UnitTimeProfiler(model, LatencyRunner.PromptIds(model, settings), settings.DecodeTokens, modes, sizes, settings.Candidates(), concurrent)
            : null;
        var report = LatencyRunner.Measure(model, modes.Select(m => new LatencyCandidate(plan, m, concurrent)).ToList(), settings, progress, cancellationToken, keepPartial,
            profiler) with { LargestGroup = plan.Groups.Max(g => g.Count) };
        // The reference mode has no probes: its timings are the unchanged model's alone, here at the baseline's own
        // fastest thread counts (the device rows); each plan's rows use the unchanged model at that plan's counts.
        var units = profiler?.Timings(ExecutionMode.Reference, (report.Baseline.PrefillThreads, report.Baseline.DecodeThreads));
        if (units is null || report.Partial)
        {
            return report;
        }
        var (prefill, decode) = units.Value;

        var rows = new List<ProjectionRow>();
        double updateBytesPrefill = LatencyProjection.UpdateBytes(settings.Batch, settings.PromptLength, model.Config.HiddenSize, 2);
        double updateBytesDecode = LatencyProjection.UpdateBytes(settings.Batch, 1, model.Config.HiddenSize, 2);
        foreach (var run in report.Runs.Where(r => r.Mode != ExecutionModes.Name(ExecutionMode.Reference)))
        {
            var (p, d) = profiler!.Timings(ExecutionModes.Parse(run.Mode), (run.PrefillThreads, run.DecodeThreads))!.Value;
            rows.Add(new ProjectionRow("prefill", $"{run.Mode}, this machine", p.Sequential(plan.LayerCount), LatencyProjection.Ideal(plan, p),
                LatencyProjection.Calibrated(plan, p) ?? double.NaN, report.Baseline.Prefill.Mean, run.Prefill.Mean));
            if (settings.DecodeTokens > 0)
            {
                rows.Add(new ProjectionRow("decode/token", $"{run.Mode}, this machine", d.Sequential(plan.LayerCount), LatencyProjection.Ideal(plan, d),
                    LatencyProjection.Calibrated(plan, d) ?? double.NaN, report.Baseline.DecodePerToken.Mean, run.DecodePerToken.Mean));
            }
        }
        foreach (var link in InterconnectModel.Presets)
        {
            rows.Add(new ProjectionRow("prefill", $"{plan.Groups.Max(g => g.Count)} devices, {link.Name}", prefill.Sequential(plan.LayerCount),
                LatencyProjection.Ideal(plan, prefill), LatencyProjection.OnDevices(plan, prefill, link, updateBytesPrefill), null, null));
            if (settings.DecodeTokens > 0)
            {
                rows.Add(new ProjectionRow("decode/token", $"{plan.Groups.Max(g => g.Count)} devices, {link.Name}", decode.Sequential(plan.LayerCount),
                    LatencyProjection.Ideal(plan, decode), LatencyProjection.OnDevices(plan, decode, link, updateBytesDecode), null, null));
            }
        }
        string notes = "Unit times, profiled between the measured rounds: one layer and the non-layer part from the unchanged model (at every candidate "
            + "thread count; each row reads them at the thread counts its runner used, device rows at the baseline's); a group of "
            + "each size, in each mode, from probe plans grouping the first P layers once and twice (never the plan predicted): the "
            + "second group's time is a group's cost, and what the first costs beyond it is charged once per pass. 'this machine' rows predict from those; device rows assume each "
            + "group member has a device as fast as this one and add a ring all-reduce of one fp16 update per group ("
            + string.Join("; ", InterconnectModel.Presets.Select(l => l.Note)) + ").";
        return report with { Projection = new ProjectionTable(plan.Describe(), prefill, decode, rows, notes) };
    }
}
