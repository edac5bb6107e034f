using Cqil.Lab.Core.Checkpoints;
using Cqil.Lab.Tests.Fixtures;
using static TorchSharp.torch;

namespace Cqil.Lab.Tests.Checkpoints;

public sealed class HuggingFaceCheckpointTests
{
    private static readonly long[] Ids = [1, 5, 17, 42, 3, 88, 60, 7, 7, 21, 90, 2];

    public static TheoryData<string> Variants => ["llama-gqa", "llama-mha", "qwen2-bias", "tied", "tied-head-only", "llama3-rope", "theta-500k"];

    private static TinyLlamaSpec Spec(string variant) => variant switch
    {
        "llama-gqa" => new TinyLlamaSpec(),
        "llama-mha" => new TinyLlamaSpec { KvHeads = 4 },
        "qwen2-bias" => new TinyLlamaSpec { ModelType = "qwen2", QkvBias = true, Tied = true },
        "tied" => new TinyLlamaSpec { Tied = true },
        "tied-head-only" => new TinyLlamaSpec { Tied = true, TiedStoredAsHead = true },
        "llama3-rope" => new TinyLlamaSpec { Llama3Scaling = (8.0, 1.0, 4.0, 16), RopeTheta = 500000 },
        "theta-500k" => new TinyLlamaSpec { RopeTheta = 500000, Heads = 2, KvHeads = 1 },
        _ => throw new ArgumentException(variant),
    };

    [Theory]
    [MemberData(nameof(Variants))]
    public void Loaded_model_matches_an_independent_float64_forward(string variant)
    {
        var spec = Spec(variant);
        var tensors = HfFixture.RandomTensors(spec, seed: 11);
        using var dir = new TempDirectory();
        HfFixture.WriteFolder(dir.Path, spec, tensors);

        using var model = HuggingFaceCheckpoint.Load(dir.Path, ScalarType.Float32, CPU);
        var engine = ModelRun.Logits(model, Ids);
        var (reference, _) = new NaiveLlama(spec, tensors).Forward(Ids);

        double diff = ModelRun.MaxAbsDiff(engine, ModelRun.ToMatrix(reference));
        Assert.True(diff < 1e-4, $"{variant}: max |logit diff| {diff:E2} (logits up to {ModelRun.MaxAbs(engine):F2})");
        Assert.Equal(spec.QkvBias, model.Config.QkvBias);
        Assert.Equal(spec.Tied, model.UntiedHead is null);
    }

    [Fact]
    public void Bf16_folder_sharded_over_three_files_loads_like_its_unsharded_f32_form()
    {
        var spec = new TinyLlamaSpec { Layers = 4 };
        var tensors = HfFixture.RandomTensors(spec, seed: 5);
        using var f32Dir = new TempDirectory();
        using var bf16Dir = new TempDirectory();
        HfFixture.WriteFolder(f32Dir.Path, spec, tensors, ScalarType.Float32, shards: 1);
        HfFixture.WriteFolder(bf16Dir.Path, spec, tensors, ScalarType.BFloat16, shards: 3);
        Assert.Equal(3, Directory.GetFiles(bf16Dir.Path, "model-*.safetensors").Length);

        using var f32 = HuggingFaceCheckpoint.Load(f32Dir.Path, ScalarType.Float32, CPU);
        using var bf16 = HuggingFaceCheckpoint.Load(bf16Dir.Path, ScalarType.BFloat16, CPU);
        var reference = ModelRun.Logits(f32, Ids);
        var lowPrecision = ModelRun.Logits(bf16, Ids);

        // bf16 keeps 8 significant bits: weights and activations are rounded by ~0.4% at each step.
        double scale = ModelRun.MaxAbs(reference);
        double diff = ModelRun.MaxAbsDiff(reference, lowPrecision);
        Assert.True(diff <= 0.03 * scale, $"max |diff| {diff:F4} vs logit scale {scale:F2}");
        Assert.Equal(ScalarType.BFloat16, bf16.Dtype);
    }

    [Fact]
    public void Bf16_shards_read_exactly_the_stored_values()
    {
        // The same weights rounded to bf16 and stored as f32 must give bit-identical f32 logits.
        var spec = new TinyLlamaSpec();
        var tensors = HfFixture.RandomTensors(spec, seed: 9);
        var rounded = tensors.ToDictionary(kv => kv.Key, kv => kv.Value.to(ScalarType.BFloat16).to(ScalarType.Float32).DetachFromDisposeScope());
        using var bf16Dir = new TempDirectory();
        using var roundedDir = new TempDirectory();
        HfFixture.WriteFolder(bf16Dir.Path, spec, tensors, ScalarType.BFloat16, shards: 2);
        HfFixture.WriteFolder(roundedDir.Path, spec, rounded, ScalarType.Float32, shards: 1);

        using var fromBf16 = HuggingFaceCheckpoint.Load(bf16Dir.Path, ScalarType.Float32, CPU);
        using var fromRounded = HuggingFaceCheckpoint.Load(roundedDir.Path, ScalarType.Float32, CPU);
        Assert.Equal(0.0, ModelRun.MaxAbsDiff(ModelRun.Logits(fromBf16, Ids), ModelRun.Logits(fromRounded, Ids)));
    }

    [Fact]
    public void Lab_writer_round_trips_through_an_independent_reader()
    {
        var spec = new TinyLlamaSpec { ModelType = "qwen2", QkvBias = true };
        var tensors = HfFixture.RandomTensors(spec, seed: 3);
        using var source = new TempDirectory();
        using var saved = new TempDirectory();
        HfFixture.WriteFolder(source.Path, spec, tensors);
        using var model = HuggingFaceCheckpoint.Load(source.Path, ScalarType.Float32, CPU);

        HuggingFaceCheckpointWriter.Save(model, saved.Path, shards: 2);

        var reread = Directory.GetFiles(saved.Path, "*.safetensors")
            .SelectMany(f => TorchSharp.PyBridge.Safetensors.LoadStateDict(f))
            .ToDictionary(kv => kv.Key, kv => kv.Value);
        Assert.Equal(tensors.Keys.Order(), reread.Keys.Order());
        foreach (var (name, original) in tensors)
        {
            Assert.Equal(original.shape, reread[name].shape);
            Assert.True(original.equal(reread[name]).all().item<bool>(), $"{name} differs after save");
        }
        using var back = HuggingFaceCheckpoint.Load(saved.Path, ScalarType.Float32, CPU);
        Assert.Equal(0.0, ModelRun.MaxAbsDiff(ModelRun.Logits(model, Ids), ModelRun.Logits(back, Ids)));
    }
}
