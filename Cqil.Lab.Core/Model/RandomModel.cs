using static TorchSharp.torch;

namespace Cqil.Lab.Core.Model;

/// <summary>
/// Randomly initialized models for tests, benchmarks and training: weights ~ N(0, std²) (Hugging Face's
/// default std 0.02), norm weights near one, biases small; the same seed gives the same weights.
/// On a GPU the weights are drawn there (the device's generator, seeded the same way): drawing a 7B model on the
/// host would cost minutes of a GPU lease. Values then differ from the CPU's for the same seed; shapes do not.
/// </summary>
public static class RandomModel
{
    public static LlamaModel Create(LlamaConfig config, long seed, ScalarType dtype = ScalarType.Float32, Device? device = null, double std = 0.02, string name = "random")
    {
        var target = device ?? CPU;
        bool onHost = target.type == TorchSharp.DeviceType.CPU;
        using var generator = new Generator((ulong)seed);
        if (!onHost)
        {
            cuda.manual_seed(seed);
        }
        Tensor Draw(long[] shape) => onHost
            ? randn(shape, ScalarType.Float32, CPU, generator: generator)
            : randn(shape, dtype, target);
        Tensor Normal(params long[] shape) => Draw(shape).Times(std).to(dtype, target).DetachFromDisposeScope();
        // Norm weights near one but not equal, so tests notice a norm applied to the wrong layer.
        Tensor Ones(long n) => Draw([n]).Times(0.1).add_(Scalars.One, Scalars.One).to(dtype, target).DetachFromDisposeScope();

        using var scope = NewDisposeScope();
        int h = config.HiddenSize, q = config.QueryDim, kv = config.KvDim, inner = config.IntermediateSize;
        var embedding = Normal(config.VocabSize, h);
        var layers = new List<DecoderLayerWeights>();
        for (int i = 0; i < config.NumLayers; i++)
        {
            layers.Add(new DecoderLayerWeights
            {
                AttentionNorm = Ones(h),
                Qkv = Normal(h, q + 2 * kv),
                QkvBias = config.QkvBias ? Normal(q + 2 * kv) : null,
                Output = Normal(q, h),
                OutputBias = config.OutputBias ? Normal(h) : null,
                FeedForwardNorm = Ones(h),
                GateUp = Normal(h, 2 * inner),
                Down = Normal(inner, h),
            });
        }
        var finalNorm = Ones(h);
        var head = config.TieWordEmbeddings ? null : Normal(config.VocabSize, h);
        var identity = new ModelIdentity(name, "(random)", "random", config.NumLayers, $"random-seed{seed}-L{config.NumLayers}-h{h}-heads{config.NumHeads}x{config.NumKvHeads}-ffn{inner}-v{config.VocabSize}");
        return new LlamaModel(config, identity, embedding, layers, finalNorm, head);
    }
}
