using System.Text.Json;
using Cqil.Lab.Core.Model;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace Cqil.Lab.Tests.Fixtures;

/// <summary>
/// Writes tiny Hugging Face model folders for tests, independently of the lab's own writer: tensors are
/// made here under HF names in HF layout, saved with TorchSharp.PyBridge, and config.json is written by hand.
/// </summary>
public static class HfFixture
{
    /// <summary>Random float32 tensors under Hugging Face names ([out, in] matrices).</summary>
    public static Dictionary<string, Tensor> RandomTensors(TinyLlamaSpec spec, long seed, double std = 0.15)
    {
        using var g = new torch.Generator((ulong)seed);
        Tensor R(params long[] shape) => randn(shape, ScalarType.Float32, generator: g).Times(std).DetachFromDisposeScope();
        Tensor Norm(long n) => randn([n], ScalarType.Float32, generator: g).Times(0.2).Plus(1.0).DetachFromDisposeScope();
        int h = spec.Hidden, q = spec.Heads * spec.HeadDim, kv = spec.KvHeads * spec.HeadDim, f = spec.Intermediate;
        var t = new Dictionary<string, Tensor>();
        var embedding = randn([spec.Vocab, h], ScalarType.Float32, generator: g).Times(0.5).DetachFromDisposeScope();
        if (spec.Tied && spec.TiedStoredAsHead)
        {
            t["lm_head.weight"] = embedding;
        }
        else
        {
            t["model.embed_tokens.weight"] = embedding;
        }
        for (int i = 0; i < spec.Layers; i++)
        {
            string p = $"model.layers.{i}.";
            t[p + "input_layernorm.weight"] = Norm(h);
            t[p + "self_attn.q_proj.weight"] = R(q, h);
            t[p + "self_attn.k_proj.weight"] = R(kv, h);
            t[p + "self_attn.v_proj.weight"] = R(kv, h);
            if (spec.QkvBias)
            {
                t[p + "self_attn.q_proj.bias"] = R(q);
                t[p + "self_attn.k_proj.bias"] = R(kv);
                t[p + "self_attn.v_proj.bias"] = R(kv);
            }
            t[p + "self_attn.o_proj.weight"] = R(h, q);
            t[p + "post_attention_layernorm.weight"] = Norm(h);
            t[p + "mlp.gate_proj.weight"] = R(f, h);
            t[p + "mlp.up_proj.weight"] = R(f, h);
            t[p + "mlp.down_proj.weight"] = R(h, f);
        }
        t["model.norm.weight"] = Norm(h);
        if (!spec.Tied)
        {
            t["lm_head.weight"] = R(spec.Vocab, h);
        }
        return t;
    }

    public static string ConfigJson(TinyLlamaSpec spec, string torchDtype = "float32")
    {
        var config = new Dictionary<string, object?>
        {
            ["architectures"] = new[] { spec.ModelType == "qwen2" ? "Qwen2ForCausalLM" : "LlamaForCausalLM" },
            ["model_type"] = spec.ModelType,
            ["vocab_size"] = spec.Vocab,
            ["hidden_size"] = spec.Hidden,
            ["intermediate_size"] = spec.Intermediate,
            ["num_hidden_layers"] = spec.Layers,
            ["num_attention_heads"] = spec.Heads,
            ["num_key_value_heads"] = spec.KvHeads,
            ["hidden_act"] = "silu",
            ["max_position_embeddings"] = spec.MaxPositions,
            ["rms_norm_eps"] = spec.RmsNormEps,
            ["rope_theta"] = spec.RopeTheta,
            ["tie_word_embeddings"] = spec.Tied,
            ["torch_dtype"] = torchDtype,
            ["bos_token_id"] = 1,
            ["eos_token_id"] = 2,
        };
        if (spec.Llama3Scaling is { } s)
        {
            config["rope_scaling"] = new Dictionary<string, object>
            {
                ["rope_type"] = "llama3",
                ["factor"] = s.Factor,
                ["low_freq_factor"] = s.Low,
                ["high_freq_factor"] = s.High,
                ["original_max_position_embeddings"] = s.Original,
            };
        }
        return JsonSerializer.Serialize(config, new JsonSerializerOptions { WriteIndented = true });
    }

    /// <summary>Writes config.json and the tensors (converted to <paramref name="dtype"/>), over <paramref name="shards"/> files.</summary>
    public static void WriteFolder(string folder, TinyLlamaSpec spec, Dictionary<string, Tensor> tensors, ScalarType dtype = ScalarType.Float32, int shards = 1)
    {
        Directory.CreateDirectory(folder);
        string dtypeName = dtype == ScalarType.BFloat16 ? "bfloat16" : dtype == ScalarType.Float16 ? "float16" : "float32";
        File.WriteAllText(Path.Combine(folder, "config.json"), ConfigJson(spec, dtypeName));
        var names = tensors.Keys.Order(StringComparer.Ordinal).ToList();
        if (shards == 1)
        {
            Safetensors.SaveStateDict(Path.Combine(folder, "model.safetensors"), names.ToDictionary(n => n, n => Convert(tensors[n], dtype)));
            return;
        }
        var weightMap = new Dictionary<string, string>();
        int per = (names.Count + shards - 1) / shards;
        for (int s = 0; s < shards; s++)
        {
            string file = $"model-{s + 1:D5}-of-{shards:D5}.safetensors";
            var part = names.Skip(s * per).Take(per).ToDictionary(n => n, n => Convert(tensors[n], dtype));
            Safetensors.SaveStateDict(Path.Combine(folder, file), part);
            foreach (var n in part.Keys)
            {
                weightMap[n] = file;
            }
        }
        File.WriteAllText(Path.Combine(folder, "model.safetensors.index.json"),
            JsonSerializer.Serialize(new { metadata = new { total_size = 0 }, weight_map = weightMap }));
    }

    // Only floating tensors take the folder's dtype; tests plant integer ones on purpose.
    private static Tensor Convert(Tensor t, ScalarType dtype) => t.is_floating_point() ? t.to(dtype) : t;
}
