using Cqil.Lab.Core.Model;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Cqil.Lab.Core.Demo;

/// <summary>
/// A freshly initialized <see cref="LlamaModel"/> whose weights are trainable parameters in the engine's own
/// layout (fused q/k/v and gate/up, [in, out] matrices), so the engine's forward is the training forward and
/// the trained tensors are saved as they are. Initialization follows GPT-2: N(0, 0.02²), with the projections
/// that write into the residual stream scaled by 1/√(2L) so the stream's variance does not grow with depth,
/// and query/key weights optionally scaled up; norm weights start at one. The same seed gives the same weights.
/// </summary>
public sealed class TrainableLlama
{
    private const double Std = 0.02;

    private TrainableLlama(LlamaModel model, IReadOnlyList<Parameter> decayed, IReadOnlyList<Parameter> notDecayed)
    {
        Model = model;
        Decayed = decayed;
        NotDecayed = notDecayed;
    }

    public LlamaModel Model { get; }

    /// <summary>Matrices and the embedding (weight decay applies).</summary>
    public IReadOnlyList<Parameter> Decayed { get; }

    /// <summary>Norm weights (no weight decay, as usual for scales).</summary>
    public IReadOnlyList<Parameter> NotDecayed { get; }

    public IEnumerable<Parameter> All => Decayed.Concat(NotDecayed);

    /// <summary>
    /// A deeper copy of a trained model that computes exactly the same function (function-preserving growth,
    /// as in Net2Net and progressive stacking): the trained layers keep their order, spread evenly over
    /// <paramref name="layers"/>, and every new layer starts freshly initialized except for zero output and
    /// down projections, so it adds nothing to the residual stream until training moves it.
    /// </summary>
    public static TrainableLlama Grow(TrainableLlama trained, int layers, long seed)
    {
        var source = trained.Model;
        int from = source.Config.NumLayers;
        if (layers < from)
        {
            throw new ArgumentException($"cannot grow a {from}-layer model to {layers} layers");
        }
        var grown = Create(source.Config with { NumLayers = layers }, seed, source.Identity.Name);
        using var noGrad = no_grad();
        grown.Model.Embedding.copy_(source.Embedding);
        grown.Model.FinalNorm.copy_(source.FinalNorm);
        var slots = Enumerable.Range(0, from).ToDictionary(k => (int)((long)k * layers / from));
        for (int i = 0; i < layers; i++)
        {
            var target = grown.Model.Layers[i].Weights;
            if (slots.TryGetValue(i, out int k))
            {
                var w = source.Layers[k].Weights;
                target.AttentionNorm.copy_(w.AttentionNorm);
                target.Qkv.copy_(w.Qkv);
                target.Output.copy_(w.Output);
                target.FeedForwardNorm.copy_(w.FeedForwardNorm);
                target.GateUp.copy_(w.GateUp);
                target.Down.copy_(w.Down);
            }
            else
            {
                target.Output.zero_();
                target.Down.zero_();
            }
        }
        return grown;
    }

    /// <param name="queryKeyInitScale">
    /// Multiplies the initial query and key weights. Larger ones make attention uneven from the first step, which
    /// shortens the plateau before a lookup circuit forms several-fold (measured with `recall-calibration`).
    /// </param>
    public static TrainableLlama Create(LlamaConfig config, long seed, string name = "demo", double queryKeyInitScale = 1)
    {
        if (config.QkvBias || config.OutputBias || !config.TieWordEmbeddings)
        {
            throw new ArgumentException("the trainable demo model has no biases and ties its embeddings");
        }
        using var generator = new Generator((ulong)seed);
        var decayed = new List<Parameter>();
        var notDecayed = new List<Parameter>();
        Parameter Normal(double std, params long[] shape)
        {
            using var values = randn(shape, ScalarType.Float32, CPU, generator: generator).TimesInPlace(std);
            var p = new Parameter(values.detach().clone(), requires_grad: true);
            decayed.Add(p);
            return p;
        }
        Parameter Ones(long n)
        {
            var p = new Parameter(ones(n, ScalarType.Float32), requires_grad: true);
            notDecayed.Add(p);
            return p;
        }

        int h = config.HiddenSize, q = config.QueryDim, kv = config.KvDim, inner = config.IntermediateSize;
        double residualStd = Std / Math.Sqrt(2.0 * config.NumLayers);
        var embedding = Normal(Std, config.VocabSize, h);
        var layers = new List<DecoderLayerWeights>();
        for (int i = 0; i < config.NumLayers; i++)
        {
            layers.Add(new DecoderLayerWeights
            {
                AttentionNorm = Ones(h),
                Qkv = Normal(Std, h, q + 2 * kv),
                Output = Normal(residualStd, q, h),
                FeedForwardNorm = Ones(h),
                GateUp = Normal(Std, h, 2 * inner),
                Down = Normal(residualStd, inner, h),
            });
        }
        if (queryKeyInitScale != 1)
        {
            using var noGrad = no_grad();
            foreach (var layer in layers)
            {
                layer.Qkv[.., ..(q + kv)].TimesInPlace(queryKeyInitScale);
            }
        }
        var finalNorm = Ones(h);
        var identity = new ModelIdentity(name, "(training)", "trainable", config.NumLayers, $"trainable-seed{seed}-L{config.NumLayers}-h{h}-v{config.VocabSize}");
        return new TrainableLlama(new LlamaModel(config, identity, embedding, layers, finalNorm, lmHead: null), decayed, notDecayed);
    }
}
