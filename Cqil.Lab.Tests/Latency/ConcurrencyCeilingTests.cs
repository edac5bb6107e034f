using Cqil.Lab.Core.Cqil;
using Cqil.Lab.Core.Latency;
using Cqil.Lab.Core.Model;
using Cqil.Lab.Tests.Fixtures;

namespace Cqil.Lab.Tests.Latency;

[Collection(SerialCollection.Name)]
public sealed class ConcurrencyCeilingTests
{
    private static LatencyReport Measured()
    {
        using var model = RandomModel.Create(TestConfigs.SixLayers, seed: 4);
        var settings = new LatencySettings { PromptLength = 8, DecodeTokens = 2, Warmup = 0, Repetitions = 2, ThreadCandidates = [1, 2] };
        return LatencyLab.Run(model, GroupPlan.FromSep(6, 0, 6, 3), [ExecutionMode.Fused], settings, project: false);
    }

    [Fact]
    public void The_ceiling_follows_from_the_baselines_own_thread_scaling_and_the_largest_group()
    {
        var measured = Measured();
        Assert.Equal("cpu", measured.Device);
        Assert.Equal(3, measured.LargestGroup);
        // The baseline: 1 thread 12 ms prefill / 2 ms per token, 2 threads 8 ms / 2.5 ms per token.
        var report = measured with
        {
            ThreadTrials = [new ThreadTrial("baseline", 1, 12.0, 2.0), new ThreadTrial("baseline", 2, 8.0, 2.5), new ThreadTrial(measured.Runs[0].Label, 1, 1.0, 1.0)],
        };

        var prefill = ConcurrencyCeiling.Of(report, decode: false)!;
        Assert.Equal(1.5, prefill.OneThreadOverBest, 12);
        Assert.Equal(2, prefill.BestThreads);
        Assert.Equal((3 - 1.5) / 2, prefill.Fraction, 12);
        var decode = ConcurrencyCeiling.Of(report, decode: true)!;
        Assert.Equal(1.0, decode.OneThreadOverBest, 12); // one thread is the baseline's best: a member alone costs no more than a lone layer
        Assert.Equal(1.0, decode.Fraction, 12);
        Assert.Contains("saves at most 0.75 of the ideal reduction", prefill.Describe());

        var text = new StringWriter();
        LatencyReportPrinter.Print(report, text);
        Assert.Contains(prefill.Describe(), text.ToString());
        Assert.Contains(decode.Describe(), text.ToString());
    }

    [Fact]
    public void No_ceiling_where_it_does_not_apply()
    {
        var report = Measured();
        Assert.NotNull(ConcurrencyCeiling.Of(report, decode: false));
        Assert.Null(ConcurrencyCeiling.Of(report with { Device = "cuda:0" }, decode: false)); // members on devices, not cores
        Assert.Null(ConcurrencyCeiling.Of(report with { Device = null }, decode: false)); // a report from before devices were recorded
        Assert.Null(ConcurrencyCeiling.Of(report with { LargestGroup = 1 }, decode: false));
        Assert.Null(ConcurrencyCeiling.Of(report with { Settings = report.Settings with { DecodeTokens = 0 } }, decode: true));
        Assert.Null(ConcurrencyCeiling.Of(report with { ThreadTrials = report.ThreadTrials.Where(t => t.Threads != 1).ToArray() }, decode: false));
    }
}
