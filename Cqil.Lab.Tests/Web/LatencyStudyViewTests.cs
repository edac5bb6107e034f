using Bunit;
using Cqil.Lab.Core.Cqil;
using Cqil.Lab.Core.Jobs;
using Cqil.Lab.Core.Latency;
using Cqil.Lab.Core.Model;
using Cqil.Lab.Tests.Fixtures;
using Cqil.Lab.Web.Components.Shared;

namespace Cqil.Lab.Tests.Web;

[Collection(SerialCollection.Name)]
public sealed class LatencyStudyViewTests : LabBunitContext
{
    // A real measurement of a tiny model (a handful of milliseconds per pass), as a latency job stores it.
    private static RunSummary MeasuredRun()
    {
        using var model = RandomModel.Create(TestConfigs.SixLayers, seed: 5);
        var settings = new LatencySettings { PromptLength = 8, DecodeTokens = 2, Warmup = 0, Repetitions = 2, ThreadCandidates = [1, 2] };
        var report = LatencyLab.Run(model, GroupPlan.FromSep(6, 2, 6, 2), [ExecutionMode.Reference, ExecutionMode.Fused, ExecutionMode.Concurrent], settings);
        var job = JobJson.Write(new LatencyJobResult { PlanName = "mid-p2", PlanId = Guid.NewGuid(), Report = report });
        return RunSummary.Build(Guid.NewGuid(), "latency run", "tiny", DateTime.UtcNow, [new JobResultInput(JobKind.Latency, job, false)]);
    }

    [Fact]
    public void The_results_show_how_each_latency_was_obtained_and_the_projection_beside_it()
    {
        var summary = MeasuredRun();
        var study = Assert.Single(summary.LatencyStudies);
        Assert.Equal("mid-p2", study.PlanName);

        var view = Render<ResultsView>(p => p.Add(v => v.Summary, summary));
        var panel = view.Find("[data-testid=latency-study-panel]");
        Assert.Contains("Latency study of mid-p2", panel.QuerySelector("summary")!.TextContent);

        var runners = view.FindAll("[data-testid=study-runner]");
        Assert.Equal(["baseline", "reference", "fused", "concurrent"], runners.Select(r => r.GetAttribute("data-mode")));
        Assert.Contains("1 (baseline)", runners[0].TextContent);
        Assert.Contains("none claimed", runners[1].TextContent); // reference mode never reports a speedup
        Assert.Equal("–", runners[1].QuerySelector("[data-testid=study-realized]")!.TextContent.Trim());
        Assert.Contains("of 33.3%", runners[2].QuerySelector("[data-testid=study-realized]")!.TextContent); // S2-E6-P2: 4 of 6 steps
        var fused = study.Report.Runs.Single(r => r.Mode == "fused");
        Assert.Contains($"{fused.PrefillThreads} / {fused.DecodeThreads}", runners[2].TextContent);

        string baselineThreads = view.Find("[data-testid=study-baseline-threads]").TextContent;
        Assert.Contains("1 → prefill", baselineThreads);
        Assert.Contains("2 → prefill", baselineThreads);
        Assert.Equal(2, view.FindAll("[data-testid=study-ceiling]").Count); // prefill and decode, on this CPU
        Assert.Contains("OpenMP wait policy", view.Find("[data-testid=study-setup]").TextContent);

        var rows = view.FindAll("[data-testid=projection-row]");
        Assert.Equal(study.Report.Projection!.Rows.Count, rows.Count);
        var machineRow = rows.First(r => r.GetAttribute("data-setting") == "concurrent, this machine" && r.GetAttribute("data-phase") == "prefill");
        Assert.EndsWith("%", machineRow.QuerySelector("[data-testid=projection-error]")!.TextContent.Trim());
        Assert.Contains(rows, r => r.GetAttribute("data-setting")!.Contains("nvlink"));
        Assert.Equal("–", rows.First(r => r.GetAttribute("data-setting")!.Contains("pcie")).QuerySelector("[data-testid=projection-error]")!.TextContent.Trim());
    }

    [Fact]
    public void The_full_studies_travel_in_the_json_export()
    {
        var summary = MeasuredRun();
        var back = RunSummary.Parse(summary.ToJson());
        var study = Assert.Single(back.LatencyStudies);
        Assert.Equal(summary.LatencyStudies[0].Report.Projection!.Rows.Count, study.Report.Projection!.Rows.Count);
        Assert.Equal(summary.LatencyStudies[0].Report.Baseline.PrefillThreads, study.Report.Baseline.PrefillThreads);
        Assert.Equal("cpu", study.Report.Device);
        Assert.Equal(2, study.Report.LargestGroup);
    }
}
