using Cqil.Lab.Core.Evaluation;
using Cqil.Lab.Core.Model;
using Cqil.Lab.Tests.Fixtures;

namespace Cqil.Lab.Tests.Evaluation;

public sealed class FidelityMeterTests
{
    private static LlamaConfig Config => new()
    {
        VocabSize = 61, HiddenSize = 32, IntermediateSize = 64, NumLayers = 2, NumHeads = 4, NumKvHeads = 2, HeadDim = 8, MaxPositions = 32,
    };

    /// <summary>A stand-in for a plan: another model whose label is "candidate".</summary>
    private sealed class Labelled(LlamaModel model) : ICausalLm
    {
        public LlamaModel Model => model;
        public string Label => "candidate";
        public KvCache NewCache(int batch, int capacity) => model.NewCache(batch, capacity);
        public TorchSharp.torch.Tensor Forward(TorchSharp.torch.Tensor ids, KvCache? cache = null, TorchSharp.torch.Tensor? paddingMask = null, LogitsFor logits = default) =>
            model.Forward(ids, cache, paddingMask, logits);
    }

    [Fact]
    public void A_model_against_itself_is_perfectly_faithful()
    {
        using var model = RandomModel.Create(Config, seed: 1, std: 0.3);
        var report = FidelityMeter.Measure(model, model, [[1, 2, 3, 4, 5], [9, 8, 7]]);
        Assert.Equal(8, report.Tokens);
        Assert.Equal(1.0, report.Top1Agreement);
        Assert.True(Math.Abs(report.MeanKl) < 1e-6);
        Assert.Equal(0.0, report.MeanRelativeLogitDifference, 1e-7);
    }

    [Fact]
    public void Agreement_kl_and_relative_logit_difference_match_a_float64_computation()
    {
        using var baseline = RandomModel.Create(Config, seed: 1, std: 0.3);
        using var other = RandomModel.Create(Config, seed: 2, std: 0.3);
        var candidate = new Labelled(other);
        int[][] sequences = [[1, 5, 9, 13, 17, 21, 25], [2, 4, 6], [30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41]];
        var report = FidelityMeter.Measure(baseline, candidate, sequences, batchSize: 2);

        int tokens = 0, agree = 0;
        double kl = 0, rel = 0;
        foreach (var s in sequences)
        {
            var zb = ModelRun.Logits(baseline, s.Select(i => (long)i).ToArray());
            var zc = ModelRun.Logits(other, s.Select(i => (long)i).ToArray());
            for (int t = 0; t < s.Length; t++)
            {
                var b = Enumerable.Range(0, 61).Select(v => (double)zb[t, v]).ToArray();
                var c = Enumerable.Range(0, 61).Select(v => (double)zc[t, v]).ToArray();
                double lb = LogSumExp(b), lc = LogSumExp(c);
                kl += b.Select((x, v) => Math.Exp(x - lb) * ((x - lb) - (c[v] - lc))).Sum();
                rel += Math.Sqrt(b.Select((x, v) => (c[v] - x) * (c[v] - x)).Sum()) / Math.Sqrt(b.Sum(x => x * x));
                agree += Array.IndexOf(b, b.Max()) == Array.IndexOf(c, c.Max()) ? 1 : 0;
                tokens++;
            }
        }
        Assert.Equal(tokens, report.Tokens);
        Assert.Equal((double)agree / tokens, report.Top1Agreement, 1e-12);
        Assert.Equal(kl / tokens, report.MeanKl, 1e-4);
        Assert.Equal(rel / tokens, report.MeanRelativeLogitDifference, 1e-5);
        Assert.True(report.MeanKl > 0.01 && report.Top1Agreement < 1, "different models should disagree somewhere");
        Assert.Equal("baseline", report.Baseline);
        Assert.Equal("candidate", report.Candidate);
    }

    private static double LogSumExp(double[] x)
    {
        double m = x.Max();
        return m + Math.Log(x.Sum(v => Math.Exp(v - m)));
    }
}
