using Cqil.Lab.Core;
using Cqil.Lab.Core.Model;
using static TorchSharp.torch;

namespace Cqil.Lab.Tests.Model;

public class RandomModelSpecTests
{
    [Fact]
    public void The_llama_7b_preset_has_the_published_shape()
    {
        var c = RandomModelSpec.Parse("random:llama-7b").Config;
        Assert.Equal((32, 4096, 32, 32, 128, 11008, 32000), (c.NumLayers, c.HiddenSize, c.NumHeads, c.NumKvHeads, c.HeadDim, c.IntermediateSize, c.VocabSize));
        // 6.74 billion parameters, as LLaMA-7B (untied head).
        Assert.InRange(c.ParameterCount, 6_730_000_000L, 6_750_000_000L);
    }

    [Fact]
    public void Keys_override_a_preset_and_a_new_width_rederives_heads_and_ffn()
    {
        var fewer = RandomModelSpec.Parse("random:llama-7b,layers=8,seed=3");
        Assert.Equal((8, 4096, 11008, 3L), (fewer.Config.NumLayers, fewer.Config.HiddenSize, fewer.Config.IntermediateSize, fewer.Seed));
        var custom = RandomModelSpec.Parse("random:layers=12,hidden=512").Config;
        Assert.Equal((12, 512, 8, 64, 1408, 4096), (custom.NumLayers, custom.HiddenSize, custom.NumHeads, custom.HeadDim, custom.IntermediateSize, custom.VocabSize));
        var gqa = RandomModelSpec.Parse("random:hidden=256,layers=2,heads=8,kv-heads=2").Config;
        Assert.Equal((8, 2, 32), (gqa.NumHeads, gqa.NumKvHeads, gqa.HeadDim));
    }

    [Theory]
    [InlineData("random:", "give hidden=N or a preset")]
    [InlineData("random:llama-70b", "'llama-70b' is not a preset")]
    [InlineData("random:layers=2,hidden=abc", "'hidden=abc' needs a positive whole number")]
    [InlineData("random:layers=0,hidden=64", "'layers=0' needs a positive whole number")]
    [InlineData("random:layers=2,hidden=64,depth=3", "unknown key 'depth'")]
    [InlineData("random:layers=2,hidden=100,heads=3", "not divisible by 3 heads")]
    [InlineData("models/demo", "a random model is written")]
    public void Bad_specs_are_refused_with_the_part_that_is_wrong(string text, string expected)
    {
        var e = Assert.Throws<InvalidInputException>(() => RandomModelSpec.Parse(text));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void A_spec_builds_a_model_of_its_shape_and_the_same_seed_gives_the_same_weights()
    {
        var spec = RandomModelSpec.Parse("random:layers=2,hidden=128,vocab=64,seed=7");
        using var a = RandomModel.Create(spec.Config, spec.Seed, name: spec.Text);
        using var b = RandomModel.Create(spec.Config, spec.Seed, name: spec.Text);
        Assert.Equal(2, a.Layers.Count);
        Assert.Equal(new long[] { 128, 3 * 128 }, a.Layers[0].Weights.Qkv.shape);
        Assert.True(a.Layers[1].Weights.Down.allclose(b.Layers[1].Weights.Down, 0, 0));
        Assert.Equal("random:layers=2,hidden=128,vocab=64,seed=7", a.Identity.Name);
        Assert.Equal(ScalarType.Float32, a.Layers[0].Weights.GateUp.dtype);
    }
}
