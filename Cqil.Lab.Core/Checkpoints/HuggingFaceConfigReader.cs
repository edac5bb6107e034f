using System.Text.Json;
using Cqil.Lab.Core.Model;

namespace Cqil.Lab.Core.Checkpoints;

/// <summary>Reads a Hugging Face config.json of a LLaMA-family decoder into a <see cref="LlamaConfig"/>.</summary>
public static class HuggingFaceConfigReader
{
    /// <summary>model_type values whose decoder is the LLaMA layer this engine implements.</summary>
    public static readonly string[] SupportedModelTypes = ["llama", "mistral", "qwen2"];

    public static LlamaConfig Read(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (FileNotFoundException)
        {
            throw InvalidInputException.ForFile(path, "missing (a Hugging Face model folder needs config.json)");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw InvalidInputException.ForFile(path, "cannot read: " + e.Message, e);
        }
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(bytes, new JsonDocumentOptions { AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            throw InvalidInputException.ForFile(path, $"not valid JSON ({e.Message})", e);
        }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw InvalidInputException.ForFile(path, "not a JSON object");
            }
            return MalformedInput.Guard(path, "config.json", () => Parse(path, doc.RootElement));
        }
    }

    private static LlamaConfig Parse(string path, JsonElement root)
    {
        string modelType = String(root, "model_type") ?? "llama";
        if (!SupportedModelTypes.Contains(modelType))
        {
            throw InvalidInputException.ForFile(path, $"model_type '{modelType}' is not a supported LLaMA-family decoder (supported: {string.Join(", ", SupportedModelTypes)})");
        }
        string act = String(root, "hidden_act") ?? "silu";
        if (act != "silu" && act != "swish")
        {
            throw InvalidInputException.ForFile(path, $"hidden_act '{act}' is not supported (LLaMA uses silu)");
        }
        if (Bool(root, "mlp_bias") == true)
        {
            throw InvalidInputException.ForFile(path, "mlp_bias=true is not supported");
        }
        int hidden = RequiredInt(path, root, "hidden_size");
        int heads = RequiredInt(path, root, "num_attention_heads");
        int kvHeads = Int(path, root, "num_key_value_heads") ?? heads;
        bool attentionBias = Bool(root, "attention_bias") ?? false;
        var config = new LlamaConfig
        {
            ModelType = modelType,
            VocabSize = RequiredInt(path, root, "vocab_size"),
            HiddenSize = hidden,
            IntermediateSize = RequiredInt(path, root, "intermediate_size"),
            NumLayers = RequiredInt(path, root, "num_hidden_layers"),
            NumHeads = heads,
            NumKvHeads = kvHeads,
            HeadDim = Int(path, root, "head_dim") ?? (heads > 0 && hidden % heads == 0 ? hidden / heads : 0),
            RmsNormEps = Double(path, root, "rms_norm_eps") ?? 1e-6,
            RopeTheta = Double(path, root, "rope_theta") ?? 10000.0,
            RopeScaling = ReadRopeScaling(path, root),
            MaxPositions = Int(path, root, "max_position_embeddings") ?? 2048,
            TieWordEmbeddings = Bool(root, "tie_word_embeddings") ?? false,
            QkvBias = modelType == "qwen2" || attentionBias,
            OutputBias = modelType != "qwen2" && attentionBias,
            BosTokenId = Int(path, root, "bos_token_id"),
            EosTokenIds = IntList(path, root, "eos_token_id"),
            StoredDtype = String(root, "torch_dtype") ?? String(root, "dtype"),
        };
        config.Validate(path);
        return config;
    }

    private static RopeScaling? ReadRopeScaling(string path, JsonElement root)
    {
        if (!root.TryGetProperty("rope_scaling", out var rs) || rs.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        if (rs.ValueKind != JsonValueKind.Object)
        {
            throw InvalidInputException.ForFile(path, "rope_scaling must be an object or null");
        }
        string type = String(rs, "rope_type") ?? String(rs, "type") ?? "";
        double factor = Double(path, rs, "factor") ?? 1.0;
        return type switch
        {
            "default" => null,
            "linear" => new RopeScaling("linear", factor),
            "llama3" => new RopeScaling("llama3", factor,
                Double(path, rs, "low_freq_factor") ?? 1.0,
                Double(path, rs, "high_freq_factor") ?? 4.0,
                Int(path, rs, "original_max_position_embeddings") ?? 8192),
            _ => throw InvalidInputException.ForFile(path, $"rope_scaling type '{type}' is not supported (supported: linear, llama3)"),
        };
    }

    private static string? String(JsonElement o, string name) =>
        o.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static bool? Bool(JsonElement o, string name) =>
        o.TryGetProperty(name, out var v) && v.ValueKind is JsonValueKind.True or JsonValueKind.False ? v.GetBoolean() : null;

    private static int? Int(string path, JsonElement o, string name)
    {
        if (!o.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        if (v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out int i))
        {
            return i;
        }
        throw InvalidInputException.ForFile(path, $"{name} must be an integer, got {v.GetRawText()}");
    }

    private static int RequiredInt(string path, JsonElement o, string name) =>
        Int(path, o, name) ?? throw InvalidInputException.ForFile(path, $"missing {name}");

    private static double? Double(string path, JsonElement o, string name)
    {
        if (!o.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        return v.ValueKind == JsonValueKind.Number ? v.GetDouble() : throw InvalidInputException.ForFile(path, $"{name} must be a number, got {v.GetRawText()}");
    }

    private static IReadOnlyList<int> IntList(string path, JsonElement o, string name)
    {
        if (!o.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null)
        {
            return [];
        }
        if (v.ValueKind == JsonValueKind.Number)
        {
            return [Int(path, o, name)!.Value];
        }
        if (v.ValueKind == JsonValueKind.Array)
        {
            return v.EnumerateArray().Select(e => e.TryGetInt32(out int i) ? i : throw InvalidInputException.ForFile(path, $"{name} must hold integers")).ToArray();
        }
        throw InvalidInputException.ForFile(path, $"{name} must be an integer or a list of integers");
    }
}
