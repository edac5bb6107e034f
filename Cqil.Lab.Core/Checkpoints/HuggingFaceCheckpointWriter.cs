using System.Text.Json;
using System.Text.Json.Nodes;
using Cqil.Lab.Core.Model;
using static TorchSharp.torch;
using N = Cqil.Lab.Core.Checkpoints.HuggingFaceNames;

namespace Cqil.Lab.Core.Checkpoints;

/// <summary>
/// Saves a model as a Hugging Face folder (config.json and safetensors, optionally sharded with an index),
/// undoing the engine's fused/transposed layout, so other tools (transformers, llama.cpp converters) and
/// this lab read it back.
/// </summary>
public static class HuggingFaceCheckpointWriter
{
    public static void Save(LlamaModel model, string folder, ScalarType? dtype = null, int shards = 1, bool storeTiedAsHeadOnly = false)
    {
        if (shards < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(shards));
        }
        Directory.CreateDirectory(folder);
        var target = dtype ?? model.Dtype;
        var config = model.Config;
        File.WriteAllText(Path.Combine(folder, HuggingFaceCheckpoint.ConfigFileName), ConfigJson(config, target).ToJsonString(new JsonSerializerOptions { WriteIndented = true }));

        using var scope = NewDisposeScope();
        var tensors = new List<(string Name, Tensor Tensor)>();
        Tensor Out(Tensor t) => t.to(target, CPU).contiguous();
        if (config.TieWordEmbeddings && storeTiedAsHeadOnly)
        {
            tensors.Add((N.Head, Out(model.Embedding)));
        }
        else
        {
            tensors.Add((N.Embedding, Out(model.Embedding)));
        }
        int q = config.QueryDim, kv = config.KvDim, inner = config.IntermediateSize;
        foreach (var layer in model.Layers)
        {
            var w = layer.Weights;
            string L(string part) => N.Layer(layer.Index, part);
            tensors.Add((L(N.AttentionNorm), Out(w.AttentionNorm)));
            tensors.Add((L(N.Q + ".weight"), Out(w.Qkv.narrow(1, 0, q).t())));
            tensors.Add((L(N.K + ".weight"), Out(w.Qkv.narrow(1, q, kv).t())));
            tensors.Add((L(N.V + ".weight"), Out(w.Qkv.narrow(1, q + kv, kv).t())));
            if (w.QkvBias is not null)
            {
                tensors.Add((L(N.Q + ".bias"), Out(w.QkvBias.narrow(0, 0, q))));
                tensors.Add((L(N.K + ".bias"), Out(w.QkvBias.narrow(0, q, kv))));
                tensors.Add((L(N.V + ".bias"), Out(w.QkvBias.narrow(0, q + kv, kv))));
            }
            tensors.Add((L(N.O + ".weight"), Out(w.Output.t())));
            if (w.OutputBias is not null)
            {
                tensors.Add((L(N.O + ".bias"), Out(w.OutputBias)));
            }
            tensors.Add((L(N.FeedForwardNorm), Out(w.FeedForwardNorm)));
            tensors.Add((L(N.Gate), Out(w.GateUp.narrow(1, 0, inner).t())));
            tensors.Add((L(N.Up), Out(w.GateUp.narrow(1, inner, inner).t())));
            tensors.Add((L(N.Down), Out(w.Down.t())));
        }
        tensors.Add((N.FinalNorm, Out(model.FinalNorm)));
        if (model.UntiedHead is not null)
        {
            tensors.Add((N.Head, Out(model.UntiedHead)));
        }

        var metadata = new Dictionary<string, string> { ["format"] = "pt" };
        if (shards == 1)
        {
            SafetensorsWriter.Write(Path.Combine(folder, SafetensorsCheckpoint.SingleFileName), tensors, metadata);
            return;
        }
        int perShard = (tensors.Count + shards - 1) / shards;
        var weightMap = new JsonObject();
        long totalSize = 0;
        for (int s = 0; s < shards; s++)
        {
            string name = $"model-{s + 1:D5}-of-{shards:D5}.safetensors";
            var part = tensors.Skip(s * perShard).Take(perShard).ToList();
            SafetensorsWriter.Write(Path.Combine(folder, name), part, metadata);
            foreach (var (tensorName, tensor) in part)
            {
                weightMap[tensorName] = name;
                totalSize += tensor.numel() * tensor.ElementSize;
            }
        }
        var index = new JsonObject { ["metadata"] = new JsonObject { ["total_size"] = totalSize }, ["weight_map"] = weightMap };
        File.WriteAllText(Path.Combine(folder, SafetensorsCheckpoint.IndexFileName), index.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    public static JsonObject ConfigJson(LlamaConfig config, ScalarType dtype)
    {
        var json = new JsonObject
        {
            ["architectures"] = new JsonArray(config.ModelType == "qwen2" ? "Qwen2ForCausalLM" : "LlamaForCausalLM"),
            ["model_type"] = config.ModelType,
            ["vocab_size"] = config.VocabSize,
            ["hidden_size"] = config.HiddenSize,
            ["intermediate_size"] = config.IntermediateSize,
            ["num_hidden_layers"] = config.NumLayers,
            ["num_attention_heads"] = config.NumHeads,
            ["num_key_value_heads"] = config.NumKvHeads,
            ["head_dim"] = config.HeadDim,
            ["hidden_act"] = "silu",
            ["max_position_embeddings"] = config.MaxPositions,
            ["rms_norm_eps"] = config.RmsNormEps,
            ["rope_theta"] = config.RopeTheta,
            ["tie_word_embeddings"] = config.TieWordEmbeddings,
            ["attention_bias"] = config.ModelType != "qwen2" && config.QkvBias,
            ["torch_dtype"] = dtype switch
            {
                ScalarType.BFloat16 => "bfloat16",
                ScalarType.Float16 => "float16",
                _ => "float32",
            },
        };
        if (config.RopeScaling is { } rs)
        {
            json["rope_scaling"] = new JsonObject
            {
                ["rope_type"] = rs.Type,
                ["factor"] = rs.Factor,
                ["low_freq_factor"] = rs.LowFrequencyFactor,
                ["high_freq_factor"] = rs.HighFrequencyFactor,
                ["original_max_position_embeddings"] = rs.OriginalMaxPositions,
            };
        }
        if (config.BosTokenId is int bos)
        {
            json["bos_token_id"] = bos;
        }
        if (config.EosTokenIds.Count > 0)
        {
            json["eos_token_id"] = config.EosTokenIds.Count == 1 ? config.EosTokenIds[0] : new JsonArray(config.EosTokenIds.Select(e => (JsonNode)e).ToArray());
        }
        return json;
    }
}
