using static TorchSharp.torch;

namespace Cqil.Lab.Core.Model;

/// <summary>
/// One pre-norm LLaMA decoder layer, exposed step by step so CQIL executors and the similarity analysis can
/// compose layers differently without copying the model:
/// a(x) = Attn(RMSNorm_in(x)), m(u) = MLP(RMSNorm_post(u)), and the sequential layer y = u + m(u), u = x + a(x).
/// </summary>
public sealed class DecoderLayer : IDisposable
{
    private readonly LlamaConfig config;

    public DecoderLayer(int index, LlamaConfig config, DecoderLayerWeights weights)
    {
        Index = index;
        this.config = config;
        Weights = weights;
    }

    public int Index { get; }

    public DecoderLayerWeights Weights { get; }

    public Device Device => Weights.Qkv.device;

    /// <summary>The attention update a(x) for input x [B, T, h]; appends this layer's keys/values to the cache.</summary>
    public Tensor Attention(Tensor x, ForwardContext ctx)
    {
        long b = x.shape[0], t = x.shape[1], h = x.shape[2];
        int heads = config.NumHeads, kvHeads = config.NumKvHeads, d = config.HeadDim;
        var normed = LayerMath.RmsNorm(x, Weights.AttentionNorm, config.RmsNormEps).view(b * t, h);
        var qkv = Weights.QkvBias is null ? normed.mm(Weights.Qkv) : Weights.QkvBias.addmm(normed, Weights.Qkv);
        qkv = qkv.view(b, t, heads + 2 * kvHeads, d);
        var qk = LayerMath.ApplyRotary(qkv.narrow(2, 0, heads + kvHeads), ctx.Cos, ctx.Sin);
        var q = qk.narrow(2, 0, heads).transpose(1, 2);
        var k = qk.narrow(2, heads, kvHeads).transpose(1, 2);
        var v = qkv.narrow(2, heads + kvHeads, kvHeads).transpose(1, 2);
        var slot = ctx.Cache?.Slot(Index, () => new KvSlot(b, kvHeads, ctx.Cache.Capacity, d, x.dtype, x.device));
        var attended = LayerMath.Attend(q, k, v, ctx, slot).transpose(1, 2).reshape(b * t, heads * d);
        var output = Weights.OutputBias is null ? attended.mm(Weights.Output) : Weights.OutputBias.addmm(attended, Weights.Output);
        return output.view(b, t, h);
    }

    /// <summary>The feed-forward update m(u) for u [B, T, h].</summary>
    public Tensor FeedForward(Tensor u)
    {
        long b = u.shape[0], t = u.shape[1], h = u.shape[2];
        var normed = LayerMath.RmsNorm(u, Weights.FeedForwardNorm, config.RmsNormEps).view(b * t, h);
        return LayerMath.SwiGlu(normed.mm(Weights.GateUp)).mm(Weights.Down).view(b, t, h);
    }

    /// <summary>The ordinary sequential layer: y = u + m(u), u = x + a(x).</summary>
    public Tensor Forward(Tensor x, ForwardContext ctx)
    {
        var u = x.Plus(Attention(x, ctx));
        return u.Plus(FeedForward(u));
    }

    public void Dispose() => Weights.Dispose();
}
