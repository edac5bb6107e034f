using Cqil.Lab.Core.Analysis;
using Cqil.Lab.Core.Checkpoints;
using Cqil.Lab.Core.Cqil;
using Cqil.Lab.Core.Model;
using Cqil.Lab.Tests.Fixtures;
using static TorchSharp.torch;

namespace Cqil.Lab.Tests.Analysis;

public sealed class SimilarityAnalyzerTests
{
    [Fact]
    public void Streaming_statistics_equal_a_dense_float64_computation_from_an_independent_forward()
    {
        // Independent states: the plain float64 forward of the HF fixture; the analyzer streams padded batches of 2.
        var spec = new TinyLlamaSpec { Layers = 4 };
        var tensors = HfFixture.RandomTensors(spec, seed: 17);
        using var dir = new TempDirectory();
        HfFixture.WriteFolder(dir.Path, spec, tensors);
        using var model = HuggingFaceCheckpoint.Load(dir.Path, ScalarType.Float32, CPU);
        var random = new Random(5);
        var samples = Enumerable.Range(0, 7).Select(_ => Enumerable.Range(0, random.Next(3, 14)).Select(_ => random.Next(1, spec.Vocab)).ToArray()).ToList();

        var result = SimilarityAnalyzer.Run(model, CalibrationSet.FromIds(samples, "random ids", 16), new AnalysisSettings { BatchSize = 2 });

        var naive = new NaiveLlama(spec, tensors);
        var states = samples.Select(ids =>
        {
            var (_, inputs) = naive.Forward(ids.Select(i => (long)i).ToArray());
            return Enumerable.Range(0, ids.Length).Select(t => inputs.Select(x => x[t].data<double>().ToArray()).ToArray()).ToList();
        }).ToList();
        var dense = DenseSimilarity.Compute(states, spec.Layers);

        Assert.True(DenseSimilarity.MaxDiff(result.Cosine.Mean, dense.Cosine) < 1e-5);
        Assert.True(DenseSimilarity.MaxDiff(result.Cosine.StdDev, dense.CosineStd) < 1e-5);
        double lastDiff = DenseSimilarity.MaxDiff(result.LastTokenCosine.Mean, dense.LastToken);
        Assert.True(lastDiff < 1e-5, $"last-token cosine differs by {lastDiff}");
        Assert.True(DenseSimilarity.MaxDiff(result.AngularDistance.Mean, dense.Angular) < 1e-5);
        Assert.True(result.BlockInfluence.Mean.Zip(dense.BlockInfluence, (a, b) => Math.Abs(a - b)).Max() < 1e-5);
        Assert.Equal(samples.Sum(s => s.Length), result.Data.TokensCounted);
        Assert.Equal(7, result.Cosine.Samples);
    }

    [Fact]
    public void Matrices_are_symmetric_with_unit_diagonal_and_values_in_range()
    {
        var config = new LlamaConfig { VocabSize = 50, HiddenSize = 32, IntermediateSize = 64, NumLayers = 6, NumHeads = 4, NumKvHeads = 2, HeadDim = 8, MaxPositions = 64 };
        using var model = RandomModel.Create(config, seed: 2, std: 0.2);
        var samples = Enumerable.Range(0, 5).Select(i => Enumerable.Range(0, 10 + i).Select(t => (t * 7 + i) % 50).ToArray()).ToList();
        var result = SimilarityAnalyzer.Run(model, CalibrationSet.FromIds(samples, "ids", 32), new AnalysisSettings { BatchSize = 3 });

        foreach (var (matrix, diagonal, low, high) in new[]
        {
            (result.Cosine, 1.0, -1.0, 1.0), (result.LastTokenCosine, 1.0, -1.0, 1.0), (result.AngularDistance, 0.0, 0.0, 1.0),
        })
        {
            for (int i = 0; i < 6; i++)
            {
                Assert.Equal(diagonal, matrix[i, i], 5);
                for (int j = 0; j < 6; j++)
                {
                    Assert.Equal(matrix[i, j], matrix[j, i], 12);
                    Assert.InRange(matrix[i, j], low - 1e-9, high + 1e-9);
                    Assert.True(matrix.StdDev[i][j] >= 0);
                }
            }
        }
        Assert.All(result.BlockInfluence.Mean, v => Assert.InRange(v, 0, 2));
    }

    [Fact]
    public void Under_a_plan_the_layers_of_a_group_share_their_input()
    {
        var config = new LlamaConfig { VocabSize = 50, HiddenSize = 32, IntermediateSize = 64, NumLayers = 6, NumHeads = 4, NumKvHeads = 2, HeadDim = 8, MaxPositions = 64 };
        using var model = RandomModel.Create(config, seed: 2, std: 0.2);
        var data = CalibrationSet.FromIds([[1, 2, 3, 4, 5, 6, 7, 8], [9, 8, 7, 6, 5]], "ids", 16);
        var plan = GroupPlan.FromSep(6, 2, 5, 3);
        var baseline = SimilarityAnalyzer.Run(model, data, new AnalysisSettings());
        var grouped = SimilarityAnalyzer.Run(model, data, new AnalysisSettings(), plan);

        Assert.Equal(1.0, grouped.Cosine[2, 3], 6);
        Assert.Equal(1.0, grouped.Cosine[2, 4], 6);
        Assert.True(baseline.Cosine[2, 4] < 0.9999);
        Assert.Equal(baseline.Cosine[0, 1], grouped.Cosine[0, 1], 9); // layers before the group are untouched
        Assert.Equal("S2-E5-P3-D0", grouped.Settings.Plan);
    }

    [Fact]
    public void Json_round_trip_keeps_matrices_and_provenance()
    {
        var config = new LlamaConfig { VocabSize = 50, HiddenSize = 16, IntermediateSize = 32, NumLayers = 3, NumHeads = 2, NumKvHeads = 1, HeadDim = 8, MaxPositions = 64 };
        using var model = RandomModel.Create(config, seed: 4);
        var result = SimilarityAnalyzer.Run(model, CalibrationSet.FromIds([[1, 2, 3, 4], [5, 6, 7]], "ids", 8), new AnalysisSettings());
        var back = LayerSimilarityAnalysis.Parse(result.ToJson(), "a.json");
        Assert.Equal(result.Cosine.Mean, back.Cosine.Mean);
        Assert.Equal(result.Data, back.Data);
        Assert.Equal(result.Model, back.Model);
        Assert.Throws<Core.InvalidInputException>(() => LayerSimilarityAnalysis.Parse("{\"schema\": \"other\"}", "b.json"));
    }

    [Theory]
    [InlineData("\"Mean\"", "\"Meam\"")]        // a misspelt matrix: found by the fuzzer as a NullReferenceException
    [InlineData("\"StdDev\"", "\"StdDeb\"")]
    [InlineData("\"name\"", "\"nane\"")]
    public void A_missing_part_is_rejected_with_a_message_naming_the_file(string property, string misspelt)
    {
        var config = new LlamaConfig { VocabSize = 50, HiddenSize = 16, IntermediateSize = 32, NumLayers = 3, NumHeads = 2, NumKvHeads = 1, HeadDim = 8, MaxPositions = 64 };
        using var model = RandomModel.Create(config, seed: 4);
        string json = SimilarityAnalyzer.Run(model, CalibrationSet.FromIds([[1, 2, 3, 4]], "ids", 8), new AnalysisSettings()).ToJson();
        int at = json.IndexOf(property, StringComparison.Ordinal);
        Assert.True(at >= 0);
        var broken = json[..at] + misspelt + json[(at + property.Length)..];
        var e = Assert.Throws<Core.InvalidInputException>(() => LayerSimilarityAnalysis.Parse(broken, "c.json"));
        Assert.Contains("c.json", e.Message);
    }

    [SharedDataFact("data/stories260K/stories260K.bin", "data/wikitext-2-raw/wikitext-2-raw-v1-test.hf-rows-joined.crlf.txt")]
    public void Stories260K_on_wikitext_agrees_with_a_dense_computation_from_the_models_hidden_states()
    {
        using var loaded = CheckpointLoader.Load(SharedData.Stories260K);
        var text = File.ReadAllText(SharedData.Path("data/wikitext-2-raw/wikitext-2-raw-v1-test.hf-rows-joined.crlf.txt"));
        var data = CalibrationSet.FromText(text, "wikitext-2 test", loaded.Tokenizer, sequenceLength: 64, maxSamples: 12);
        var result = SimilarityAnalyzer.Run(loaded.Model, data, new AnalysisSettings { BatchSize = 5 });

        // Dense: each sample alone through the layers, every state kept, cosines averaged in float64 (BOS left out).
        var model = loaded.Model;
        var states = new List<List<double[][]>>();
        using (no_grad())
        {
            foreach (var sample in data.Samples)
            {
                using var scope = NewDisposeScope();
                var ids = tensor(sample.Select(i => (long)i).ToArray(), [1, sample.Length]);
                var ctx = model.BeginForward(ids, null, null);
                var x = model.Embed(ids);
                var all = new List<Tensor> { x };
                foreach (var layer in model.Layers)
                {
                    x = layer.Forward(x, ctx);
                    all.Add(x);
                }
                states.Add(Enumerable.Range(1, sample.Length - 1)
                    .Select(t => all.Select(s => s[0, t].to(ScalarType.Float64).data<double>().ToArray()).ToArray()).ToList());
            }
        }
        var dense = DenseSimilarity.Compute(states, model.Config.NumLayers);
        Assert.True(DenseSimilarity.MaxDiff(result.Cosine.Mean, dense.Cosine) < 1e-5, "token-mean cosine differs from the dense computation");
        Assert.Equal(12, result.Cosine.Samples);
        Assert.Equal(12 * 63, result.Data.TokensCounted);
    }
}
