using Cqil.Lab.Core.Demo;
using Cqil.Lab.Core.Model;
using static TorchSharp.torch;

namespace Cqil.Lab.Tests.Demo;

public sealed class TrainableLlamaTests
{
    [Fact]
    public void Growing_inserts_identity_layers_so_the_deeper_model_computes_the_same_logits()
    {
        var spec = new DemoModelSpec { Layers = 2, Hidden = 32, Heads = 2, Intermediate = 64 };
        var small = TrainableLlama.Create(spec.Config(50), 3);
        using (small.Model)
        using (var grown = TrainableLlama.Grow(small, 6, 4).Model)
        using (no_grad())
        {
            var ids = tensor(new long[] { 1, 5, 7, 9, 3, 2, 44, 17 }, [1, 8]);
            var expected = small.Model.Forward(ids);
            var actual = grown.Forward(ids);
            Assert.True(expected.allclose(actual, rtol: 0, atol: 1e-5), $"max difference {(expected - actual).abs().max().item<float>()}");
            Assert.Equal(6, grown.Layers.Count);
            // The trained layers keep their order, spread over the deeper stack (slots 0 and 3).
            Assert.True(grown.Layers[3].Weights.Qkv.eq(small.Model.Layers[1].Weights.Qkv).all().item<bool>());
            Assert.True(grown.Layers[1].Weights.Down.eq(Scalars.IntegerZero).all().item<bool>());
            Assert.False(grown.Layers[1].Weights.Qkv.eq(Scalars.IntegerZero).all().item<bool>());
        }
    }

    [Fact]
    public void The_query_key_init_scale_multiplies_queries_and_keys_only()
    {
        var config = new DemoModelSpec { Layers = 2, Hidden = 32, Heads = 2, Intermediate = 64 }.Config(50);
        var plain = TrainableLlama.Create(config, 5);
        var scaled = TrainableLlama.Create(config, 5, "demo", queryKeyInitScale: 10);
        using (plain.Model)
        using (scaled.Model)
        {
            int qk = config.QueryDim + config.KvDim;
            for (int i = 0; i < config.NumLayers; i++)
            {
                var a = plain.Model.Layers[i].Weights.Qkv;
                var b = scaled.Model.Layers[i].Weights.Qkv;
                Assert.True(b[.., ..qk].allclose(a[.., ..qk].Times(10), rtol: 1e-6, atol: 0));
                Assert.True(b[.., qk..].eq(a[.., qk..]).all().item<bool>()); // values unchanged
                Assert.True(scaled.Model.Layers[i].Weights.GateUp.eq(plain.Model.Layers[i].Weights.GateUp).all().item<bool>());
            }
        }
    }

    [Fact]
    public void A_model_cannot_grow_shallower() =>
        Assert.Throws<ArgumentException>(() => TrainableLlama.Grow(TrainableLlama.Create(new DemoModelSpec { Layers = 3, Hidden = 16, Heads = 2, Intermediate = 32 }.Config(20), 1), 2, 1));
}
