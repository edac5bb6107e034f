using Cqil.Lab.Core.Cqil;
using Cqil.Lab.Core.Cqil.Execution;
using Cqil.Lab.Core.Model;
using static TorchSharp.torch;

namespace Cqil.Lab.Core.Latency;

/// <summary>
/// A full latency study of one plan: the baseline and the plan in each requested mode measured side by side
/// (<see cref="LatencyRunner"/>), then unit times profiled once and a projection — ideal, predicted and
/// measured next to each other, on this machine and on P devices linked by NVLink or PCIe.
/// </summary>
public static class LatencyLab
{
    public static LatencyReport Run(LlamaModel model, GroupPlan plan, IReadOnlyList<ExecutionMode> modes, LatencySettings settings,
        bool project = true, ConcurrentOptions? concurrent = null, IProgress<LatencyProgress>? progress = null, CancellationToken cancellationToken = default,
        bool keepPartial = false)
    {
        var report = LatencyRunner.Measure(model, modes.Select(m => new LatencyCandidate(plan, m, concurrent)).ToList(), settings, progress, cancellationToken, keepPartial);
        if (!project || plan.IsBaseline || report.Partial)
        {
            return report;
        }
        progress?.Report(new LatencyProgress("profiling unit times", 0, 1));
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var prompt = LatencyRunner.PromptIds(model, settings);
        int reps = Math.Max(3, settings.Repetitions / 2);
        var baseThreads = (report.Baseline.PrefillThreads, report.Baseline.DecodeThreads);
        var (prefill, decode) = UnitTimeProfiler.ProfileBaseline(model, prompt, settings.DecodeTokens, baseThreads, reps, cancellationToken);

        var sizes = plan.MultiLayerGroups.Select(g => g.Count).Distinct().ToArray();
        var rows = new List<ProjectionRow>();
        double updateBytesPrefill = LatencyProjection.UpdateBytes(settings.Batch, settings.PromptLength, model.Config.HiddenSize, 2);
        double updateBytesDecode = LatencyProjection.UpdateBytes(settings.Batch, 1, model.Config.HiddenSize, 2);
        foreach (var run in report.Runs.Where(r => r.Mode != ExecutionModes.Name(ExecutionMode.Reference)))
        {
            var mode = ExecutionModes.Parse(run.Mode);
            var (groupPrefill, groupDecode) = UnitTimeProfiler.ProfileGroups(model, mode, sizes, prompt, settings.DecodeTokens,
                (run.PrefillThreads, run.DecodeThreads), reps, concurrent, cancellationToken);
            var p = prefill with { GroupMs = groupPrefill };
            var d = decode with { GroupMs = groupDecode };
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
        string notes = "Unit times: one layer and the non-layer part from the unchanged model; one group per size from a probe plan grouping "
            + "only the first P layers, in each mode (never the plan predicted). 'this machine' rows predict from those; device rows assume each "
            + "group member has a device as fast as this one and add a ring all-reduce of one fp16 update per group ("
            + string.Join("; ", InterconnectModel.Presets.Select(l => l.Note)) + ").";
        return report with { Projection = new ProjectionTable(plan.Describe(), prefill, decode, rows, notes) };
    }
}
