using Cqil.Lab.Core.Model;
using static TorchSharp.torch;

namespace Cqil.Lab.Tests.Fixtures;

/// <summary>
/// An independent, deliberately plain float64 LLaMA forward written from the Hugging Face definition
/// (rotate-half RoPE, repeated KV heads, SwiGLU, RMSNorm): no cache, one sequence, heads in a loop. Tests
/// compare the engine with it.
/// </summary>
public sealed class NaiveLlama
{
    private readonly TinyLlamaSpec spec;
    private readonly Dictionary<string, Tensor> w;

    public NaiveLlama(TinyLlamaSpec spec, Dictionary<string, Tensor> hfTensors)
    {
        this.spec = spec;
        w = hfTensors.ToDictionary(kv => kv.Key, kv => kv.Value.to(ScalarType.Float64).DetachFromDisposeScope());
    }

    private Tensor W(string name) => w[name];

    private Tensor Embedding => w.TryGetValue("model.embed_tokens.weight", out var e) ? e : w["lm_head.weight"];

    private Tensor Head => spec.Tied ? Embedding : w["lm_head.weight"];

    /// <summary>Logits [T, vocab] (float64) and the input of every layer [T, h] plus the final residual.</summary>
    public (Tensor Logits, List<Tensor> LayerInputs) Forward(long[] ids)
    {
        int t = ids.Length, hd = spec.HeadDim, nh = spec.Heads, nkv = spec.KvHeads;
        var x = Embedding.index_select(0, tensor(ids));
        var inputs = new List<Tensor>();
        var (cos, sin) = RopeTables(t);
        for (int l = 0; l < spec.Layers; l++)
        {
            inputs.Add(x.clone());
            string p = $"model.layers.{l}.";
            var xn = RmsNorm(x, W(p + "input_layernorm.weight"));
            var q = Linear(xn, p + "self_attn.q_proj");
            var k = Linear(xn, p + "self_attn.k_proj");
            var v = Linear(xn, p + "self_attn.v_proj");
            var heads = new List<Tensor>();
            for (int head = 0; head < nh; head++)
            {
                int kvHead = head / (nh / nkv);
                var qh = Rope(q.narrow(1, head * hd, hd), cos, sin);
                var kh = Rope(k.narrow(1, kvHead * hd, hd), cos, sin);
                var vh = v.narrow(1, kvHead * hd, hd);
                var scores = qh.matmul(kh.t()).DividedBy(Math.Sqrt(hd));
                var causal = ones([t, t], ScalarType.Bool).tril();
                scores = scores.masked_fill(causal.logical_not(), Scalars.NegativeInfinity);
                heads.Add(scores.softmax(-1).matmul(vh));
            }
            var attention = Linear(cat(heads, 1), p + "self_attn.o_proj");
            x = x.Plus(attention);
            var un = RmsNorm(x, W(p + "post_attention_layernorm.weight"));
            var gate = un.matmul(W(p + "mlp.gate_proj.weight").t());
            var up = un.matmul(W(p + "mlp.up_proj.weight").t());
            x = x.Plus((gate * gate.sigmoid() * up).matmul(W(p + "mlp.down_proj.weight").t()));
        }
        inputs.Add(x.clone());
        var logits = RmsNorm(x, W("model.norm.weight")).matmul(Head.t());
        return (logits, inputs);
    }

    private Tensor Linear(Tensor x, string prefix)
    {
        var y = x.matmul(W(prefix + ".weight").t());
        return w.TryGetValue(prefix + ".bias", out var b) ? y.Plus(b) : y;
    }

    private Tensor RmsNorm(Tensor x, Tensor weight) =>
        x / x.pow(Scalars.IntegerTwo).mean([-1], keepdim: true).Plus(spec.RmsNormEps).sqrt() * weight;

    private static Tensor Rope(Tensor x, Tensor cos, Tensor sin)
    {
        long half = x.shape[1] / 2;
        var rotated = cat([-x.narrow(1, half, half), x.narrow(1, 0, half)], 1);
        return (x * cos).Plus(rotated * sin);
    }

    private (Tensor Cos, Tensor Sin) RopeTables(int t)
    {
        int hd = spec.HeadDim;
        var inv = new double[hd / 2];
        for (int i = 0; i < inv.Length; i++)
        {
            inv[i] = 1.0 / Math.Pow(spec.RopeTheta, 2.0 * i / hd);
            if (spec.Llama3Scaling is { } s)
            {
                double lowWavelen = s.Original / s.Low, highWavelen = s.Original / s.High;
                double wavelen = 2 * Math.PI / inv[i];
                double scaled = wavelen > lowWavelen ? inv[i] / s.Factor : inv[i];
                bool medium = !(wavelen < highWavelen) && !(wavelen > lowWavelen);
                if (medium)
                {
                    double smooth = (s.Original / wavelen - s.Low) / (s.High - s.Low);
                    scaled = (1 - smooth) * scaled / s.Factor + smooth * scaled;
                }
                inv[i] = scaled;
            }
        }
        var angles = new double[t, hd];
        for (int pos = 0; pos < t; pos++)
        {
            for (int i = 0; i < hd; i++)
            {
                angles[pos, i] = pos * inv[i % (hd / 2)];
            }
        }
        var a = tensor(angles);
        return (a.cos(), a.sin());
    }
}
