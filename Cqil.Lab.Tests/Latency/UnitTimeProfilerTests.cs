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
    public void The_runner_calls_back_after_every_round_and_says_which_were_timed()
    {
        using var model = Tiny();
        var settings = new LatencySettings { PromptLength = 8, DecodeTokens = 2, Warmup = 2, Repetitions = 3, ThreadCandidates = [1] };
        var calls = new List<(bool Timed, int Runners)>();

        LatencyRunner.Measure(model, [new LatencyCandidate(GroupPlan.FromSep(6, 2, 6, 2), ExecutionMode.Fused)], settings,
            afterRound: (timed, threads) => calls.Add((timed, threads.Count)));

        Assert.Equal([(false, 2), (false, 2), (true, 2), (true, 2), (true, 2)], calls);
    }

    [Fact]
    public void Unit_times_come_only_from_timed_rounds_and_groups_only_from_modes_that_claim_speed()
    {
        using var model = Tiny();
        using var noGrad = no_grad();
        using var prompt = tensor(Enumerable.Range(1, 8).Select(i => (long)i).ToArray(), [1, 8]);
        using var profiler = new UnitTimeProfiler(model, prompt, decodeTokens: 2, [ExecutionMode.Reference, ExecutionMode.Fused], [2, 3]);
        (int, int)[] threads = [(1, 1), (1, 1), (1, 1)];

        profiler.SampleRound(timed: false, threads);
        Assert.Null(profiler.Timings(ExecutionMode.Fused));

        profiler.SampleRound(timed: true, threads);
        profiler.SampleRound(timed: true, threads);
        var (prefill, decode) = profiler.Timings(ExecutionMode.Fused)!.Value;
        Assert.True(prefill.LayerMs > 0 && prefill.NonLayerMs > 0 && decode.LayerMs > 0);
        Assert.Equal([2, 3], prefill.GroupMs.Keys.Order());
        Assert.Equal([2, 3], decode.GroupMs.Keys.Order());
        Assert.All(prefill.GroupMs.Values.Concat(decode.GroupMs.Values), ms => Assert.True(ms > 0));
        Assert.True(prefill.GroupStartMs >= 0 && decode.GroupStartMs >= 0);
        Assert.Empty(profiler.Timings(ExecutionMode.Reference)!.Value.Prefill.GroupMs);
    }
}
