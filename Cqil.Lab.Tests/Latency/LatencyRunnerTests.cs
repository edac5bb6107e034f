using System.Diagnostics;
using Cqil.Lab.Core.Cqil;
using Cqil.Lab.Core.Latency;
using Cqil.Lab.Core.Model;
using Cqil.Lab.Tests.Fixtures;

namespace Cqil.Lab.Tests.Latency;

[Collection(SerialCollection.Name)]
public sealed class LatencyRunnerTests
{
    private static LlamaModel Tiny() => RandomModel.Create(TestConfigs.SixLayers, seed: 1);

    [Fact]
    public void Report_labels_every_number_with_its_mode_and_reference_claims_no_speedup()
    {
        using var model = Tiny();
        var plan = GroupPlan.FromSep(6, 2, 6, 2);
        var settings = new LatencySettings { PromptLength = 16, DecodeTokens = 4, Warmup = 1, Repetitions = 3, ThreadCandidates = [1, 2] };

        var report = LatencyLab.Run(model, plan, [ExecutionMode.Reference, ExecutionMode.Fused, ExecutionMode.Concurrent], settings);

        Assert.Equal("baseline", report.Baseline.Mode);
        Assert.Null(report.Baseline.PrefillSpeedup);
        Assert.Equal(["reference", "fused", "concurrent"], report.Runs.Select(r => r.Mode));
        var reference = report.Runs[0];
        Assert.Null(reference.PrefillSpeedup);
        Assert.Null(reference.DecodeSpeedup);
        Assert.Null(reference.PrefillRealized);
        Assert.Contains("not a speedup", reference.SpeedupNote);
        Assert.All(report.Runs.Skip(1), r => Assert.NotNull(r.DecodeSpeedup));
        Assert.All(report.Runs.Prepend(report.Baseline), r => Assert.Equal(3, r.Prefill.Count));
        Assert.All(report.Runs.Prepend(report.Baseline), r => Assert.Equal(12, r.DecodePerToken.Count));

        // The baseline got its own fastest thread count: both candidates were tried and the chosen one is the minimum.
        var trials = report.ThreadTrials.Where(t => t.Runner == "baseline").ToArray();
        Assert.Equal([1, 2], trials.Select(t => t.Threads));
        Assert.Equal(trials.MinBy(t => t.PrefillMs)!.Threads, report.Baseline.PrefillThreads);
        Assert.Equal(trials.MinBy(t => t.DecodeMsPerToken)!.Threads, report.Baseline.DecodeThreads);
        // … in the measured rounds themselves: the reported baseline is the chosen count's samples from those rounds.
        Assert.Equal(trials.First(t => t.Threads == report.Baseline.PrefillThreads).PrefillMs, report.Baseline.Prefill.P50, 9);
        Assert.Equal(trials.First(t => t.Threads == report.Baseline.DecodeThreads).DecodeMsPerToken, report.Baseline.DecodePerToken.P50, 9);

        Assert.NotNull(report.Projection);
        Assert.Contains(report.Projection!.Rows, r => r.Setting.StartsWith("fused, this machine") && r.MeasuredMs is not null);
        Assert.Contains(report.Projection.Rows, r => r.Setting.Contains("nvlink"));
        Assert.DoesNotContain(report.Projection.Rows, r => r.Setting.StartsWith("reference"));
        Assert.False(string.IsNullOrEmpty(report.Machine.Cpu));
        Assert.Contains("\"mode\": \"fused\"", report.ToJson());

        var text = new StringWriter();
        LatencyReportPrinter.Print(report, text);
        Assert.Contains("none claimed", text.ToString());
    }

    [Fact]
    public void Cancellation_stops_a_measurement_within_a_second()
    {
        using var model = RandomModel.Create(new LlamaConfig
        {
            VocabSize = 256, HiddenSize = 128, IntermediateSize = 256, NumLayers = 4, NumHeads = 4, NumKvHeads = 4, HeadDim = 32, MaxPositions = 4096,
        }, seed: 2);
        var settings = new LatencySettings { PromptLength = 32, DecodeTokens = 2000, Warmup = 0, Repetitions = 50, ThreadCandidates = [1] };
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        var clock = Stopwatch.StartNew();
        Assert.ThrowsAny<OperationCanceledException>(() => LatencyRunner.Measure(model, [], settings, cancellationToken: cancel.Token));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1.3), $"stopped after {clock.Elapsed.TotalMilliseconds:F0} ms");
    }

    [Fact]
    public void Cancelled_mid_round_with_keep_partial_keeps_the_rounds_every_runner_finished()
    {
        using var model = RandomModel.Create(TestConfigs.SixLayers, seed: 3);
        var settings = new LatencySettings { PromptLength = 8, DecodeTokens = 4, Warmup = 0, Repetitions = 20, ThreadCandidates = [1, 2] };
        using var cancel = new CancellationTokenSource();
        // A round is the baseline at 1 and 2 threads, then the plan: cancel right after the 10th measuring step,
        // i.e. after the baseline's first sample of round 4, so the baseline's second sample stops mid-decode.
        var progress = new SynchronousProgress<LatencyProgress>(p =>
        {
            if (p.Phase == "measuring" && p.Done == 10)
            {
                cancel.Cancel();
            }
        });
        var report = LatencyRunner.Measure(model, [new LatencyCandidate(GroupPlan.FromSep(6, 1, 5, 2), ExecutionMode.Fused)], settings, progress, cancel.Token, keepPartial: true);
        Assert.True(report.Partial);
        Assert.Equal(3, report.Baseline.Prefill.Count);
        Assert.Equal(3, report.Runs[0].Prefill.Count);
    }

    [Theory]
    [InlineData(0, 1, 10)]
    [InlineData(8, 0, 10)]
    [InlineData(8, 1, 1)]
    public void Invalid_settings_are_refused(int prompt, int batch, int reps)
    {
        var settings = new LatencySettings { PromptLength = prompt, Batch = batch, Repetitions = reps };
        Assert.Throws<Core.InvalidInputException>(settings.Validate);
    }
}
