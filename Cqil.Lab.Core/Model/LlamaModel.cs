using TorchSharp;
using static TorchSharp.torch;

namespace Cqil.Lab.Core.Model;

/// <summary>
/// A LLaMA-family decoder in memory: embeddings, layers, final norm and head, plus the rotary tables.
/// As an <see cref="ICausalLm"/> it runs its layers one after another (the baseline every plan is compared
/// with); CQIL executors drive its layers' steps directly.
/// </summary>
public sealed class LlamaModel : ICausalLm, IDisposable
{
    public LlamaModel(LlamaConfig config, ModelIdentity identity, Tensor embedding, IReadOnlyList<DecoderLayerWeights> layers, Tensor finalNorm, Tensor? lmHead)
    {
        if (layers.Count != config.NumLayers)
        {
            throw new ArgumentException($"config says {config.NumLayers} layers, weights have {layers.Count}");
        }
        Config = config;
        Identity = identity;
        Embedding = embedding;
        FinalNorm = finalNorm;
        UntiedHead = lmHead;
        Layers = layers.Select((w, i) => new DecoderLayer(i, config, w)).ToArray();
        Rotary = new RotaryEmbedding(config, Dtype, Device);
    }

    public LlamaConfig Config { get; }

    public ModelIdentity Identity { get; }

    /// <summary>Token embeddings [vocab, h]; also the output head when embeddings are tied.</summary>
    public Tensor Embedding { get; }

    public IReadOnlyList<DecoderLayer> Layers { get; }

    public Tensor FinalNorm { get; }

    /// <summary>The output head [vocab, h] when it is not tied to the embedding.</summary>
    public Tensor? UntiedHead { get; }

    public Tensor Head => UntiedHead ?? Embedding;

    public RotaryEmbedding Rotary { get; }

    public ScalarType Dtype => Embedding.dtype;

    public Device Device => Embedding.device;

    LlamaModel ICausalLm.Model => this;

    public string Label => "baseline";

    public KvCache NewCache(int batch, int capacity) => new(batch, capacity, Device);

    /// <summary>Token embeddings for ids [B, T] → [B, T, h] (the input of layer 0).</summary>
    public Tensor Embed(Tensor ids) => Embedding.index_select(0, ids.reshape(-1)).view(ids.shape[0], ids.shape[1], Config.HiddenSize);

    /// <summary>Shared per-pass state (rotary angles, mask, cache position) for new tokens ids [B, T].</summary>
    public ForwardContext BeginForward(Tensor ids, KvCache? cache, Tensor? paddingMask) =>
        ForwardContext.Create(Rotary, (int)ids.shape[0], (int)ids.shape[1], cache, paddingMask, Device);

    /// <summary>Final norm and head on the residual stream [B, T, h] → float32 logits [B, T', vocab] for the positions asked for.</summary>
    public Tensor Logits(Tensor hidden, LogitsFor which)
    {
        long first = which.FirstOf(hidden.shape[1]);
        if (first == hidden.shape[1])
        {
            return empty(0, ScalarType.Float32, Device);
        }
        if (first > 0)
        {
            hidden = hidden.narrow(1, first, hidden.shape[1] - first);
        }
        long b = hidden.shape[0], t = hidden.shape[1];
        // Flattened to 2-D first: a [B, 1, h] slice keeps the parent's stride on its size-1 axis, which sends
        // linear down a generic path ~60x slower than the matrix-vector kernel (measured: 230 ms vs 3.6 ms).
        var normed = LayerMath.RmsNorm(hidden, FinalNorm, Config.RmsNormEps).reshape(b * t, Config.HiddenSize);
        return nn.functional.linear(normed, Head).to(ScalarType.Float32).view(b, t, -1);
    }

    /// <summary>The baseline: every layer in order.</summary>
    public Tensor Forward(Tensor ids, KvCache? cache = null, Tensor? paddingMask = null, LogitsFor logits = default)
    {
        using var scope = NewDisposeScope();
        var ctx = BeginForward(ids, cache, paddingMask);
        var x = Embed(ids);
        foreach (var layer in Layers)
        {
            x = RunLayerStep(x, step => layer.Forward(step, ctx));
        }
        cache?.Advance(ctx.Tokens);
        return scope.MoveToOuter(Logits(x, logits));
    }

    /// <summary>
    /// Runs one step of the layer stack in its own dispose scope and frees the step's input: intermediates
    /// die with the step instead of piling up until the whole forward ends. Keeping memory reused this way
    /// matters for speed, not only size: fresh pages cost a fault each, which made a 16-layer prefill ~2x slower.
    /// </summary>
    public static Tensor RunLayerStep(Tensor input, Func<Tensor, Tensor> step)
    {
        Tensor output;
        using (var scope = NewDisposeScope())
        {
            output = scope.MoveToOuter(step(input));
        }
        input.Dispose();
        return output;
    }

    /// <summary>Every tensor the model owns (for parameter counts, optimizers, saving).</summary>
    public IEnumerable<Tensor> Tensors()
    {
        yield return Embedding;
        foreach (var layer in Layers)
        {
            foreach (var t in layer.Weights.All())
            {
                yield return t;
            }
        }
        yield return FinalNorm;
        if (UntiedHead is not null)
        {
            yield return UntiedHead;
        }
    }

    public void Dispose()
    {
        foreach (var t in Tensors())
        {
            t.Dispose();
        }
        Rotary.Dispose();
    }
}
