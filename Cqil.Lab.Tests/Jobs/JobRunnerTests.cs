using Cqil.Lab.Core.Checkpoints;
using Cqil.Lab.Core.Cqil;
using Cqil.Lab.Core.Jobs;
using Cqil.Lab.Core.Runtime;
using Cqil.Lab.Tests.Fixtures;
using TorchSharp;

namespace Cqil.Lab.Tests.Jobs;

public sealed class JobRunnerTests : IDisposable
{
    private readonly TempDirectory dir = new();
    private readonly string model;
    private readonly ModelPool pool = new(1);
    private readonly DeviceWorker worker = new(torch.CPU, 1, "test-lane");

    public JobRunnerTests()
    {
        model = LabModelFixture.Write(Path.Combine(dir.Path, "lab-model"));
    }

    public void Dispose()
    {
        worker.Dispose();
        pool.Dispose();
        dir.Dispose();
    }

    private PlanSpec P2() => PlanSpec.From(new PlanDocument(GroupPlan.FromSep(6, 2, 4, 2), PlanModelReference.Of(CheckpointLoader.ReadIdentity(model)), "mid-p2"));

    private TaskSpec Task => new(LabModelFixture.TaskName, "mc-jsonl", Path.Combine(model, "tasks", LabModelFixture.TaskName + ".jsonl"));

    private Task<JobOutcome> Run(JobSpec spec, CancellationToken ct = default, Action<JobProgress>? progress = null, Action<GeneratedToken>? token = null) =>
        worker.RunAsync(() => JobRunner.Run(spec, new JobContext(ct, torch.CPU, pool, progress, token)));

    [Fact]
    public async Task Evaluation_scores_baseline_and_plan_on_the_same_items_with_paired_tests_and_fidelity()
    {
        var outcome = await Run(new EvaluationJobSpec { ModelPath = model, Task = Task, Limit = 24, Plans = [P2()], ChunkSize = 10 });
        var result = JobResults.Evaluation(outcome.ResultJson);

        Assert.False(outcome.Partial);
        Assert.Equal(24, result.ItemsScored);
        Assert.Equal(["baseline", "mid-p2"], result.Entries.Select(e => e.Label));
        Assert.All(result.Entries, e => Assert.Equal(24, e.Metrics.First(m => m.Name == "acc").N));
        var cmp = Assert.Single(result.Entries[1].Comparisons, c => c.Metric == "acc");
        Assert.Equal(24, cmp.N);
        Assert.InRange(cmp.McNemarP, 0, 1);
        Assert.NotNull(result.Entries[1].Fidelity);
        Assert.Equal(24, result.Entries[1].Outcomes["acc"].Length);
    }

    [Fact]
    public async Task A_cancelled_evaluation_keeps_the_chunks_every_system_finished_marked_partial()
    {
        using var cts = new CancellationTokenSource();
        var outcome = await Run(new EvaluationJobSpec { ModelPath = model, Task = Task, Plans = [P2()], ChunkSize = 8 }, cts.Token,
            p => { if (p.Message.Contains("items 9–", StringComparison.Ordinal)) { cts.Cancel(); } });
        var result = JobResults.Evaluation(outcome.ResultJson);

        Assert.True(outcome.Partial);
        Assert.True(result.Partial);
        Assert.InRange(result.ItemsScored, 8, 32);
        Assert.Equal(0, result.ItemsScored % 8);
        Assert.All(result.Entries, e => Assert.Equal(result.ItemsScored, e.Metrics[0].N));
    }

    [Fact]
    public async Task Analysis_stopped_early_returns_what_it_measured_marked_partial()
    {
        using var cts = new CancellationTokenSource();
        var spec = new AnalysisJobSpec { ModelPath = model, TextPath = Path.Combine(model, "heldout.txt"), DataLabel = "held-out", Samples = 32, SequenceLength = 32, BatchSize = 4 };
        var outcome = await Run(spec, cts.Token, p => { if (p.Message.StartsWith("batch 2 ", StringComparison.Ordinal)) { cts.Cancel(); } });
        var analysis = JobResults.Analysis(outcome.ResultJson);

        Assert.True(outcome.Partial);
        Assert.True(analysis.Partial);
        Assert.Equal(8, analysis.Data.Samples);
        Assert.Equal(6, analysis.Layers);

        var full = JobResults.Analysis((await Run(spec with { Samples = 8 })).ResultJson);
        Assert.False(full.Partial);
        Assert.Equal(full.Cosine.Mean[1][4], analysis.Cosine.Mean[1][4], 12);
    }

    [Fact]
    public async Task Latency_of_a_plan_is_measured_beside_the_baseline()
    {
        var settings = new Core.Latency.LatencySettings { PromptLength = 8, DecodeTokens = 3, Warmup = 1, Repetitions = 3, ThreadCandidates = [1] };
        var outcome = await Run(new LatencyJobSpec { ModelPath = model, Plan = P2(), Modes = [ExecutionMode.Fused], Settings = settings });
        var result = JobResults.Latency(outcome.ResultJson);

        Assert.Equal("mid-p2", result.PlanName);
        Assert.Equal("baseline", result.Report.Baseline.Mode);
        var run = Assert.Single(result.Report.Runs);
        Assert.Equal("fused", run.Mode);
        Assert.Equal(3, run.Prefill.Count);
        Assert.NotNull(run.DecodeSpeedup);
    }

    [Fact]
    public async Task Generation_streams_each_token_of_both_sides_and_marks_no_divergence_for_identical_output()
    {
        var tokens = new List<GeneratedToken>();
        var baselinePlan = PlanSpec.From(new PlanDocument(GroupPlan.Baseline(6), new PlanModelReference(null, null, 6), "unchanged"));
        var outcome = await Run(new GenerationJobSpec { ModelPath = model, Prompt = "Ann has a red ball.", Plan = baselinePlan, MaxNewTokens = 10 }, token: tokens.Add);
        var result = JobResults.Generation(outcome.ResultJson);

        Assert.Equal(result.Baseline.TokenIds.Length + result.Candidate.TokenIds.Length, tokens.Count);
        Assert.Equal(result.Baseline.Pieces, tokens.Where(t => t.Side == "baseline").Select(t => t.Piece));
        Assert.Equal(result.Baseline.TokenIds, result.Candidate.TokenIds);
        Assert.Null(result.FirstDivergence);
        Assert.True(result.Baseline.TokensPerSecond > 0);
    }

    [Theory]
    [InlineData(new[] { 1, 2, 3 }, new[] { 1, 2, 3 }, null)]
    [InlineData(new[] { 1, 2, 3 }, new[] { 1, 5, 3 }, 1)]
    [InlineData(new[] { 1, 2, 3 }, new[] { 1, 2 }, 2)]
    public void Divergence_is_the_first_differing_position(int[] a, int[] b, int? expected) =>
        Assert.Equal(expected, GenerationJobResult.Divergence(a, b));
}
