using TorchSharp;
using static TorchSharp.torch;

namespace Cqil.Lab.Core.Model;

/// <summary>
/// The pieces of decoder-layer arithmetic that do not depend on how many layers are computed at once. A
/// single layer and a fused CQIL group (whose heads are stacked along the head axis) call the same code.
/// </summary>
public static class LayerMath
{
    /// <summary>x · rsqrt(mean(x²) + eps) over the last axis, computed in float32 as Hugging Face does.</summary>
    public static Tensor RmsNormalize(Tensor x, double eps)
    {
        if (x.dtype == ScalarType.Float32)
        {
            return x * x.pow(2).mean([-1], keepdim: true).add(eps).rsqrt();
        }
        var xf = x.to(ScalarType.Float32);
        return (xf * xf.pow(2).mean([-1], keepdim: true).add(eps).rsqrt()).to(x.dtype);
    }

    public static Tensor RmsNorm(Tensor x, Tensor weight, double eps) => RmsNormalize(x, eps) * weight;

    /// <summary>
    /// Rotates query/key heads in the rotate-half layout. <paramref name="x"/> is [..., T, H, D];
    /// cos/sin are [..., T, 1, D/2] and broadcast over heads (and over stacked layers in front).
    /// </summary>
    public static Tensor ApplyRotary(Tensor x, Tensor cos, Tensor sin)
    {
        long half = x.shape[^1] / 2;
        var x1 = x.narrow(-1, 0, half);
        var x2 = x.narrow(-1, half, half);
        return cat([x1 * cos - x2 * sin, x2 * cos + x1 * sin], -1);
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
        long hkv = k.shape[1], s = k.shape[2];
        long group = h / hkv;
        if (t == 1 && group > 1)
        {
            // Decode: the query heads of one key head become that head's "query positions", so keys and
            // values are read in place instead of being repeated for every query head.
            var qg = q.reshape(b, hkv, group, d);
            var og = nn.functional.scaled_dot_product_attention(qg, k, v, ctx.Mask);
            return og.reshape(b, h, 1, d);
        }
        if (group > 1)
        {
            k = k.unsqueeze(2).expand(b, hkv, group, s, d).reshape(b, h, s, d);
            v = v.unsqueeze(2).expand(b, hkv, group, s, d).reshape(b, h, s, d);
        }
        return nn.functional.scaled_dot_product_attention(q, k, v, ctx.Mask, is_casual: ctx.IsCausal);
    }

    /// <summary>silu(gate) · up, where the last axis of <paramref name="gateUp"/> holds gate then up.</summary>
    public static Tensor SwiGlu(Tensor gateUp)
    {
        long inner = gateUp.shape[^1] / 2;
        return nn.functional.silu(gateUp.narrow(-1, 0, inner)) * gateUp.narrow(-1, inner, inner);
    }
}
