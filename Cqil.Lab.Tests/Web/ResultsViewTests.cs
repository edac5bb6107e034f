using Bunit;
using Cqil.Lab.Core.Evaluation;
using Cqil.Lab.Core.Jobs;
using Cqil.Lab.Tests.Fixtures;
using Cqil.Lab.Web.Components.Shared;

namespace Cqil.Lab.Tests.Web;

public sealed class ResultsViewTests : LabBunitContext
{
    private static RunSummary Summary(bool partial = false) => new()
    {
        RunId = Guid.Parse("11111111-2222-3333-4444-555555555555"),
        Name = "demo run",
        Model = "demo",
        CreatedUtc = new DateTime(2026, 11, 26, 0, 0, 0, DateTimeKind.Utc),
        Tasks = ["who-has"],
        Partial = partial,
        Dtypes = ["bf16"],
        LatencyMeasuredOn = ["AMD EPYC, 2 cores; libtorch 2.10.0; commit 4107e618eb; MKL kernels: family 7"],
        Rows =
        [
            new SummaryRow("baseline", "baseline", null,
                [new TaskScore("who-has", "acc", 0.95, 0.91, 0.97, 200, null, null, null, null, false)], null,
                [new LatencyCell("baseline", 10.5, 11.0, 2.25, 2.5, 5, null, null, null, null, null, false)]),
            new SummaryRow("mid-p2", "S4-E8-P2-D0", Guid.NewGuid(),
                [new TaskScore("who-has", "acc", 0.9, 0.85, 0.935, 200, -0.05, -0.09, -0.015, 0.0039, partial)],
                new FidelityReport("baseline", "fused S4-E8-P2-D0", 1000, 0.92, 0.9, 0.94, 0.031, 0.4, 0.12),
                [new LatencyCell("fused", 9.0, 9.6, 2.0, 2.2, 5, 1.17, 1.1, 1.05, 1.15, null, false)]),
        ],
    };

    [Fact]
    public void Shows_baseline_and_plan_side_by_side_with_intervals_tests_fidelity_and_latency()
    {
        var view = Render<ResultsView>(p => p.Add(v => v.Summary, Summary()));

        var rows = view.FindAll("[data-testid=results-row]");
        Assert.Equal(["baseline", "mid-p2"], rows.Select(r => r.GetAttribute("data-system")));
        var baseAccuracy = rows[0].QuerySelector("[data-testid=accuracy]")!.TextContent;
        Assert.Contains("0.950", baseAccuracy);
        Assert.Contains("[0.910, 0.970]", baseAccuracy);
        Assert.Contains("reference", rows[0].QuerySelector("[data-testid=comparison]")!.TextContent);

        var comparison = rows[1].QuerySelector("[data-testid=comparison]")!.TextContent;
        Assert.Contains("-0.050 [-0.090, -0.015]", comparison);
        Assert.Contains("p=0.0039", comparison);
        Assert.Contains("92.0%", rows[1].QuerySelector("[data-testid=fidelity]")!.TextContent);

        var latency = rows[1].QuerySelector("[data-testid=latency]")!;
        Assert.Equal("fused", latency.QuerySelector("[data-testid=mode-badge]")!.TextContent);
        Assert.Contains("2.000 / 2.200", latency.TextContent);
        Assert.Contains("1.10×", latency.TextContent);
        Assert.Equal("baseline", rows[0].QuerySelector("[data-testid=mode-badge]")!.TextContent);

        Assert.Equal("/api/runs/11111111-2222-3333-4444-555555555555/results?format=json", view.Find("[data-testid=export-results-json]").GetAttribute("href"));
        Assert.Equal("/api/runs/11111111-2222-3333-4444-555555555555/results?format=csv", view.Find("[data-testid=export-results-csv]").GetAttribute("href"));
        Assert.Empty(view.FindAll("[data-testid=results-partial]"));
        Assert.Contains("AMD EPYC, 2 cores; libtorch 2.10.0; commit 4107e618eb; MKL kernels: family 7", view.Find("[data-testid=latency-machine]").TextContent);
        Assert.Equal("Computed in bf16", view.Find("[data-testid=results-dtype]").TextContent);
    }

    [Fact]
    public void Partial_results_are_marked()
    {
        var view = Render<ResultsView>(p => p.Add(v => v.Summary, Summary(partial: true)));
        Assert.Contains("partial", view.Find("[data-testid=results-partial]").TextContent);
        Assert.Contains("partial", view.FindAll("[data-testid=accuracy]")[1].TextContent);
    }

    [Fact]
    public void The_json_and_csv_exports_carry_every_row()
    {
        var summary = Summary();
        var back = RunSummary.Parse(summary.ToJson());
        Assert.Equal(RunSummary.SchemaName, back.Schema);
        Assert.Equal(summary.Rows.Select(r => r.Label), back.Rows.Select(r => r.Label));
        Assert.Equal(0.0039, back.Rows[1].Scores[0].McNemarP);
        Assert.Equal(summary.LatencyMeasuredOn, back.LatencyMeasuredOn);

        var lines = summary.ToCsv().TrimEnd().Split('\n');
        Assert.Equal(3, lines.Length);
        Assert.StartsWith("run,system,plan,task,metric,value", lines[0]);
        Assert.Contains("demo run,mid-p2,S4-E8-P2-D0,who-has,acc,0.9,", lines[2]);
        Assert.Contains(",fused,9,9.6,2,2.2,1.1,1.05,1.15,false", lines[2]);
    }

    [Fact]
    public void The_pareto_frontier_keeps_points_nothing_beats_on_both_axes()
    {
        var points = ParetoPoint.From([Summary()]);
        Assert.Equal(2, points.Count);
        var frontier = ParetoPoint.Frontier(
        [
            new("r", "a", "a", "t", "fused", 1.0, 0.80),
            new("r", "b", "b", "t", "fused", 2.0, 0.90),
            new("r", "c", "c", "t", "fused", 3.0, 0.85), // slower and worse than b
            new("r", "d", "d", "t", "fused", 4.0, 0.95),
        ]);
        Assert.Equal(["a", "b", "d"], frontier.Select(p => p.System));
    }
}
