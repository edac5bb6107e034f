using TorchSharp;
using static TorchSharp.torch;

namespace Cqil.Lab.Core.Model;

/// <summary>
/// The pieces of decoder-layer arithmetic that do not depend on how many layers are computed at once. A
/// single layer and a fused CQIL group (whose heads are stacked along the head axis) call the same code.
/// Without autograd (inference) intermediate buffers are updated in place to save allocations; with
/// autograd (training) the same formulas run out of place.
/// </summary>
public static class LayerMath
{
    /// <summary>
    /// Score elements one attention block may hold (16 MiB in float32). Besides bounding memory, this keeps
    /// each block below glibc's largest heap allocation (32 MiB): bigger blocks are mapped fresh and
    /// page-faulted on every use, which made a 32×186-token batch ten times slower per token than 16×186.
    /// </summary>
    private const long MaxScoreElements = 4L << 20;

    /// <summary>x · rsqrt(mean(x²) + eps) over the last axis, computed in float32 as Hugging Face does.</summary>
    public static Tensor RmsNormalize(Tensor x, double eps)
    {
        bool inPlace = !is_grad_enabled();
        var xf = x.dtype == ScalarType.Float32 ? x : x.to(ScalarType.Float32);
        var scale = xf.Squared().mean([-1], keepdim: true);
        scale = inPlace ? scale.add_(Scalars.Of(eps), Scalars.One).rsqrt_() : scale.add(Scalars.Of(eps), Scalars.One).rsqrt();
        var normed = inPlace && !ReferenceEquals(xf, x) ? xf.mul_(scale) : xf * scale;
        return normed.dtype == x.dtype ? normed : normed.to(x.dtype);
    }

    public static Tensor RmsNorm(Tensor x, Tensor weight, double eps)
    {
        var normed = RmsNormalize(x, eps);
        return is_grad_enabled() ? normed * weight : normed.mul_(weight);
    }

    /// <summary>
    /// Rotates query/key heads in the rotate-half layout. <paramref name="x"/> is [..., T, H, D];
    /// cos/sin are [..., T, 1, D/2] and broadcast over heads (and over stacked layers in front).
    /// </summary>
    public static Tensor ApplyRotary(Tensor x, Tensor cos, Tensor sin)
    {
        long half = x.shape[^1] / 2;
        var x1 = x.narrow(-1, 0, half);
        var x2 = x.narrow(-1, half, half);
        if (is_grad_enabled())
        {
            return cat([x1 * cos - x2 * sin, (x2 * cos).Plus(x1 * sin)], -1);
        }
        return cat([(x1 * cos).addcmul_(x2, sin, Scalars.MinusOne), (x2 * cos).addcmul_(x1, sin, Scalars.One)], -1);
    }

    /// <summary>
    /// Scaled dot-product attention with grouped-query heads. q is [B, H, T, D]; new keys/values are
    /// [B, Hkv, T, D] with H a multiple of Hkv and query head h reading key head h / (H/Hkv). With a slot the
    /// new keys/values are appended to the cache first and attention covers the whole history.
    /// </summary>
    public static Tensor Attend(Tensor q, Tensor k, Tensor v, ForwardContext ctx, KvSlot? slot)
    {
        if (slot is not null)
        {
            (k, v) = slot.Append(ctx.PastLength, k, v);
        }
        long b = q.shape[0], h = q.shape[1], t = q.shape[2], d = q.shape[3];
        long hkv = k.shape[1];
        long group = h / hkv;
        if (t == 1)
        {
            // Decode: the query heads of one key head become that head's "query positions", so keys and
            // values are read in place instead of being repeated for every query head.
            var qg = q.reshape(b, hkv, group, d);
            var og = nn.functional.scaled_dot_product_attention(qg, k, v, ctx.MaskBias);
            return og.reshape(b, h, 1, d);
        }
        return PrefillKernel == PrefillAttention.Fused && !is_grad_enabled() ? AttendFused(q, k, v, ctx) : AttendBlocks(q, k, v, ctx);
    }

    /// <summary>
    /// Which prefill attention inference uses, process-wide. Fused is the default: measured on this project's
    /// CPU with libtorch 2.10 (2026-11-27) it was as fast or faster everywhere — 1.3x at 1×512 tokens, hidden
    /// 1024, f32; 1.05–1.17x there in bf16; 8–12% for shared-context scoring of stories260K — and the block
    /// path's score tensors make it 3–5x slower in this VM's slow memory state, where the fused kernel's tiles
    /// stay in cache. On a GPU it dispatches to libtorch's fused CUDA kernels. Blocks stays for comparison (benchmarks
    /// time both; `--prefill-attention blocks`) and is what training (autograd) always uses.
    /// </summary>
    public static PrefillAttention PrefillKernel { get; set; } = PrefillAttention.Fused;

    private static Tensor AttendFused(Tensor q, Tensor k, Tensor v, ForwardContext ctx)
    {
        (k, v) = (RepeatKvHeads(k, q.shape[1]), RepeatKvHeads(v, q.shape[1]));
        // Without a mask bias the pass is plain causal attention over exactly the new tokens (no past, no padding).
        return ctx.MaskBias is null
            ? nn.functional.scaled_dot_product_attention(q, k, v, is_casual: true)
            : nn.functional.scaled_dot_product_attention(q, k, v, ctx.MaskBias);
    }

    /// <summary>
    /// Prefill attention as explicit products over blocks of query rows: each block only reads the keys up to
    /// its last row (every mask here is causal), which halves the work of a causal prefill. Differentiable, so
    /// training uses it; inference uses it when <see cref="PrefillKernel"/> says so.
    /// </summary>
    private static Tensor AttendBlocks(Tensor q, Tensor k, Tensor v, ForwardContext ctx)
    {
        long b = q.shape[0], h = q.shape[1], t = q.shape[2], d = q.shape[3];
        long s = k.shape[2];
        long past = s - t;
        (k, v) = (RepeatKvHeads(k, h), RepeatKvHeads(v, h));
        var qs = q.mul(Scalars.Of(1.0 / Math.Sqrt(d))).reshape(b * h, t, d);
        var ks = k.reshape(b * h, s, d);
        var vs = v.reshape(b * h, s, d);
        long block = Math.Clamp(MaxScoreElements / Math.Max(1, b * h * s), 1, 256);
        var outputs = new List<Tensor>();
        for (long start = 0; start < t; start += block)
        {
            long rows = Math.Min(block, t - start);
            long keys = past + start + rows;
            var scores = qs.narrow(1, start, rows).bmm(ks.narrow(1, 0, keys).transpose(1, 2)).view(b, h, rows, keys);
            // [Bm, 1, rows, keys] broadcast over heads.
            var bias = ctx.MaskBias is null
                ? CausalBias(past + start, rows, keys, scores.dtype, q.device)
                : ctx.MaskBias.narrow(2, start, rows).narrow(3, 0, keys);
            scores = (is_grad_enabled() ? scores.Plus(bias) : scores.PlusInPlace(bias)).view(b * h, rows, keys);
            outputs.Add(scores.softmax(-1).bmm(vs.narrow(1, 0, keys)));
        }
        var output = outputs.Count == 1 ? outputs[0] : cat(outputs, 1);
        return output.view(b, h, t, d);
    }

    /// <summary>Key or value heads [B, Hkv, S, D] repeated so each of <paramref name="heads"/> query heads has its own (grouped-query attention).</summary>
    private static Tensor RepeatKvHeads(Tensor x, long heads)
    {
        long b = x.shape[0], hkv = x.shape[1], s = x.shape[2], d = x.shape[3];
        return heads == hkv ? x : x.unsqueeze(2).expand(b, hkv, heads / hkv, s, d).reshape(b, heads, s, d);
    }

    // Query rows [first, first+rows) may see keys with index <= their own: 0 there, −∞ above.
    private static Tensor CausalBias(long first, long rows, long keys, ScalarType dtype, Device device) =>
        full([rows, keys], Scalars.NegativeInfinity, dtype, device).triu(first + 1).view(1, 1, rows, keys);

    /// <summary>silu(gate) · up, where the last axis of <paramref name="gateUp"/> holds gate then up.</summary>
    public static Tensor SwiGlu(Tensor gateUp)
    {
        long inner = gateUp.shape[^1] / 2;
        var gate = gateUp.narrow(-1, 0, inner);
        var up = gateUp.narrow(-1, inner, inner);
        return is_grad_enabled() ? nn.functional.silu(gate) * up : gate.silu_().mul_(up);
    }
}
