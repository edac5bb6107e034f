using Cqil.Lab.Core.Cqil;
using Cqil.Lab.Core.Latency;
using Cqil.Lab.Core.Model;
using Cqil.Lab.Tests.Fixtures;
using static TorchSharp.torch;

namespace Cqil.Lab.Tests.Latency;

[Collection(SerialCollection.Name)]
public sealed class UnitTimeProfilerTests
{
    private static LlamaModel Tiny() => RandomModel.Create(TestConfigs.SixLayers, seed: 1);

    [Fact]
    public void The_runner_runs_its_companion_after_every_round_and_counts_its_passes_in_the_progress()
    {
        using var model = Tiny();
        var settings = new LatencySettings { PromptLength = 8, DecodeTokens = 2, Warmup = 2, Repetitions = 3, ThreadCandidates = [1] };
        var companion = new RecordingCompanion();
        var measuring = new List<LatencyProgress>();

        LatencyRunner.Measure(model, [new LatencyCandidate(GroupPlan.FromSep(6, 2, 6, 2), ExecutionMode.Fused)], settings,
            new SynchronousProgress<LatencyProgress>(p => { if (p.Phase == "measuring") { measuring.Add(p); } }), companion: companion);

        Assert.Equal([(false, 2), (false, 2), (true, 2), (true, 2), (true, 2)], companion.Calls);
        // 5 rounds × (2 runners + 3 companion passes), counted one by one up to the total.
        Assert.Equal(Enumerable.Range(1, 25), measuring.Select(p => p.Done));
        Assert.All(measuring, p => Assert.Equal(25, p.Total));
    }

    private sealed class RecordingCompanion : IRoundCompanion
    {
        public List<(bool Timed, int Runners)> Calls { get; } = [];

        public int PassesPerRound => 3;

        public void AfterRound(bool timed, IReadOnlyList<(int Prefill, int Decode)> threads, Action passDone, CancellationToken cancellationToken)
        {
            Calls.Add((timed, threads.Count));
            for (int i = 0; i < PassesPerRound; i++)
            {
                passDone();
            }
        }
    }

    [Fact]
    public void Unit_times_come_only_from_timed_rounds_and_groups_only_from_modes_that_claim_speed()
    {
        using var model = Tiny();
        using var noGrad = no_grad();
        using var prompt = tensor(Enumerable.Range(1, 8).Select(i => (long)i).ToArray(), [1, 8]);
        using var profiler = new UnitTimeProfiler(model, prompt, decodeTokens: 2, [ExecutionMode.Reference, ExecutionMode.Fused], [2, 3], threadCandidates: [1]);
        (int, int)[] threads = [(1, 1), (1, 1), (1, 1)];

        profiler.AfterRound(timed: false, threads, () => { }, CancellationToken.None);
        Assert.Null(profiler.Timings(ExecutionMode.Fused, (1, 1)));

        int passes = 0;
        profiler.AfterRound(timed: true, threads, () => passes++, CancellationToken.None);
        profiler.AfterRound(timed: true, threads, () => passes++, CancellationToken.None);
        // The baseline, and fused groups of 2 (once, twice) and 3 (once, twice) on 6 layers, each round.
        Assert.Equal(5, profiler.PassesPerRound);
        Assert.Equal(2 * profiler.PassesPerRound, passes);
        var (prefill, decode) = profiler.Timings(ExecutionMode.Fused, (1, 1))!.Value;
        Assert.True(prefill.LayerMs > 0 && prefill.NonLayerMs > 0 && decode.LayerMs > 0);
        Assert.Equal([2, 3], prefill.GroupMs.Keys.Order());
        Assert.Equal([2, 3], decode.GroupMs.Keys.Order());
        Assert.All(prefill.GroupMs.Values.Concat(decode.GroupMs.Values), ms => Assert.True(ms > 0));
        Assert.True(prefill.GroupStartMs >= 0 && decode.GroupStartMs >= 0);
        Assert.Empty(profiler.Timings(ExecutionMode.Reference, (1, 1))!.Value.Prefill.GroupMs);
    }

    [Fact]
    public void The_unchanged_model_is_profiled_at_every_candidate_thread_count_and_read_at_the_count_asked_for()
    {
        using var model = Tiny();
        using var noGrad = no_grad();
        using var prompt = tensor(Enumerable.Range(1, 8).Select(i => (long)i).ToArray(), [1, 8]);
        int cores = get_num_threads();
        using var profiler = new UnitTimeProfiler(model, prompt, decodeTokens: 2, [ExecutionMode.Fused], [2], threadCandidates: [1, 2]);
        // The runner's counts during the rounds: the baseline's (from its trial) and the plan's — both one thread.
        (int, int)[] threads = [(1, 1), (1, 1)];
        try
        {
            profiler.AfterRound(timed: true, threads, () => { }, CancellationToken.None);
            profiler.AfterRound(timed: true, threads, () => { }, CancellationToken.None);
        }
        finally
        {
            set_num_threads(cores);
        }

        // Two reference passes (one and two threads) and the fused probes (groups of 2, once and twice).
        Assert.Equal(4, profiler.PassesPerRound);
        var one = profiler.Timings(ExecutionMode.Fused, (1, 1))!.Value;
        var two = profiler.Timings(ExecutionMode.Fused, (2, 2))!.Value;
        var mixed = profiler.Timings(ExecutionMode.Fused, (2, 1))!.Value;
        // Separate passes give separate clock readings; before, one pass at the runners' counts stood for every count.
        Assert.NotEqual(one.Prefill.LayerMs, two.Prefill.LayerMs);
        Assert.NotEqual(one.Decode.LayerMs, two.Decode.LayerMs);
        Assert.Equal(two.Prefill.LayerMs, mixed.Prefill.LayerMs);
        Assert.Equal(one.Decode.LayerMs, mixed.Decode.LayerMs);
        // Groups come from the probes, whatever count the unchanged model is read at; a count never tried reads the nearest.
        Assert.Equal(one.Prefill.GroupMs[2], two.Prefill.GroupMs[2]);
        Assert.Equal(two.Prefill.LayerMs, profiler.Timings(ExecutionMode.Fused, (16, 16))!.Value.Prefill.LayerMs);
    }
}
