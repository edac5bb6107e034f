using Cqil.Lab.Core.Cqil;
using Cqil.Lab.Core.Cqil.Execution;
using Cqil.Lab.Core.Model;
using Cqil.Lab.Tests.Fixtures;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Cqil.Lab.Tests.Cqil;

public sealed class ExecutorAgreementTests(ITestOutputHelper log)
{
    private static readonly ExecutionMode[] Modes = [ExecutionMode.Reference, ExecutionMode.Fused, ExecutionMode.Concurrent];

    private static LlamaConfig TinyConfig(int layers) => new()
    {
        VocabSize = 67, HiddenSize = 32, IntermediateSize = 64, NumLayers = layers, NumHeads = 4, NumKvHeads = 2, HeadDim = 8, MaxPositions = 64,
    };

    [Fact]
    public void Plan_of_singletons_gives_exactly_the_baseline_logits_in_every_mode()
    {
        using var model = RandomModel.Create(TinyConfig(4), seed: 21, std: 0.2);
        long[] prompt = [3, 14, 15, 9, 26, 5];
        var (basePrefill, baseSteps) = PrefillAndDecode(model, prompt, steps: 8);
        foreach (var mode in Modes)
        {
            using var executor = PlanExecutors.Create(model, GroupPlan.Baseline(4), mode);
            var (prefill, steps) = PrefillAndDecode(executor, prompt, steps: 8);
            Assert.True(basePrefill.SequenceEqual(prefill), $"{mode}: prefill logits differ from the baseline");
            for (int i = 0; i < steps.Count; i++)
            {
                Assert.True(baseSteps[i].SequenceEqual(steps[i]), $"{mode}: decode step {i} differs from the baseline");
            }
        }
    }

    [Fact]
    public void Random_plans_agree_across_modes_in_prefill_and_32_cached_decode_steps()
    {
        // Property test: random models, random valid plans, D in 0..P-1 and both bypass modes.
        var random = new Random(20261126);
        double worst = 0;
        for (int trial = 0; trial < 16; trial++)
        {
            int layers = random.Next(2, 9);
            var plan = RandomPlan(random, layers);
            using var model = RandomModel.Create(TinyConfig(layers), seed: trial, std: 0.2);
            long[] prompt = Enumerable.Range(0, random.Next(1, 9)).Select(_ => (long)random.Next(67)).ToArray();

            List<float[]>? reference = null;
            foreach (var mode in Modes)
            {
                using var executor = PlanExecutors.Create(model, plan, mode);
                var (prefill, steps) = PrefillAndDecode(executor, prompt, steps: 32);
                var all = steps.Prepend(prefill).ToList();
                if (reference is null)
                {
                    reference = all;
                    continue;
                }
                for (int i = 0; i < all.Count; i++)
                {
                    double diff = reference[i].Zip(all[i], (a, b) => (double)Math.Abs(a - b)).Max();
                    worst = Math.Max(worst, diff);
                    Assert.True(diff <= 1e-5, $"trial {trial}: {mode} vs reference differ by {diff:E2} at {(i == 0 ? "prefill" : $"decode step {i}")} for plan {plan} ({layers} layers)");
                }
            }
        }
        log.WriteLine($"largest difference from the reference executor: {worst:E2}");
    }

    private static GroupPlan RandomPlan(Random random, int layers)
    {
        var groups = new List<IReadOnlyList<int>>();
        for (int start = 0; start < layers;)
        {
            int size = Math.Min(layers - start, random.Next(1, 5));
            groups.Add(Enumerable.Range(start, size).ToArray());
            start += size;
        }
        int largest = groups.Max(g => g.Count);
        var mode = random.Next(2) == 0 ? BypassMode.FfnInput : BypassMode.Residual;
        return GroupPlan.FromCompleteGroups(layers, groups, random.Next(0, largest), mode);
    }

    // The same token sequence continued greedily under one runner: logits of the last prefill position, then each step's.
    private static (float[] Prefill, List<float[]> Steps) PrefillAndDecode(ICausalLm lm, long[] prompt, int steps)
    {
        using var noGrad = no_grad();
        using var cache = lm.NewCache(1, prompt.Length + steps + 1);
        float[] Run(long[] ids)
        {
            using var scope = NewDisposeScope();
            return lm.Forward(tensor(ids, [1, ids.Length]), cache, null, LogitsFor.LastPosition).reshape(-1).data<float>().ToArray();
        }
        var prefill = Run(prompt);
        var outputs = new List<float[]>();
        long next = prefill.Select((v, i) => (v, i)).MaxBy(p => p.v).i;
        for (int i = 0; i < steps; i++)
        {
            var logits = Run([next]);
            outputs.Add(logits);
            // Feed a fixed function of the step so every runner sees the same tokens, whatever it predicts.
            next = (next * 31 + i) % 67;
        }
        return (prefill, outputs);
    }
}
