using System.Security.Cryptography;
using Cqil.Lab.Core.Model;
using static TorchSharp.torch;
using N = Cqil.Lab.Core.Checkpoints.HuggingFaceNames;

namespace Cqil.Lab.Core.Checkpoints;

/// <summary>
/// Loads a Hugging Face model folder (config.json plus model.safetensors or a sharded index) in F32, F16 or
/// BF16, including checkpoints that store a tied embedding only as lm_head.weight.
/// </summary>
public static class HuggingFaceCheckpoint
{
    public const string ConfigFileName = "config.json";

    public static bool IsModelFolder(string folder) =>
        File.Exists(Path.Combine(folder, ConfigFileName)) && SafetensorsCheckpoint.ExistsIn(folder);

    public static LlamaModel Load(string folder, ScalarType dtype, Device device)
    {
        string configPath = Path.Combine(folder, ConfigFileName);
        var config = HuggingFaceConfigReader.Read(configPath);
        using var checkpoint = SafetensorsCheckpoint.Open(folder);

        // Biases are taken from what the checkpoint holds, so a config that forgets attention_bias still loads right.
        config = config with
        {
            QkvBias = config.QkvBias || checkpoint.Contains(N.Layer(0, N.Q + ".bias")),
            OutputBias = config.OutputBias || checkpoint.Contains(N.Layer(0, N.O + ".bias")),
        };
        if (!config.TieWordEmbeddings && !checkpoint.Contains(N.Head))
        {
            throw InvalidInputException.ForFile(checkpoint.FileOf(N.Embedding), $"missing tensor '{N.Head}' (config.json says tie_word_embeddings=false)");
        }

        var identity = Identity(folder, config, Fingerprint(configPath, checkpoint));
        return EngineLayoutAssembler.Build(config, new Source(checkpoint), dtype, device, identity);
    }

    /// <summary>Name, format and fingerprint from config.json and the tensor headers alone (no weights are read).</summary>
    public static ModelIdentity ReadIdentity(string folder)
    {
        string configPath = Path.Combine(folder, ConfigFileName);
        var config = HuggingFaceConfigReader.Read(configPath);
        using var checkpoint = SafetensorsCheckpoint.Open(folder);
        return Identity(folder, config, Fingerprint(configPath, checkpoint));
    }

    private static ModelIdentity Identity(string folder, LlamaConfig config, string fingerprint) =>
        new(Path.GetFileName(Path.GetFullPath(folder).TrimEnd(Path.DirectorySeparatorChar)), Path.GetFullPath(folder), "huggingface", config.NumLayers, fingerprint);

    private static string Fingerprint(string configPath, SafetensorsCheckpoint checkpoint)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(File.ReadAllBytes(configPath));
        checkpoint.AddToFingerprint(hash);
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private sealed class Source(SafetensorsCheckpoint checkpoint) : ITensorSource
    {
        public bool Contains(string name) => checkpoint.Contains(name);

        public Tensor Read(string name, long[] expectedShape)
        {
            if (!checkpoint.Contains(name))
            {
                throw InvalidInputException.ForFile(checkpoint.Files.Count == 1 ? checkpoint.Files[0].Path : checkpoint.Description, $"missing tensor '{name}'");
            }
            var entry = checkpoint.Entry(name);
            if (!entry.Shape.SequenceEqual(expectedShape))
            {
                throw InvalidInputException.ForFile(checkpoint.FileOf(name),
                    $"tensor '{name}' has shape [{string.Join(", ", entry.Shape)}] but config.json implies [{string.Join(", ", expectedShape)}]");
            }
            if (entry.Dtype is not ("F32" or "F16" or "BF16" or "F64"))
            {
                throw InvalidInputException.ForFile(checkpoint.FileOf(name), $"tensor '{name}' has dtype {entry.Dtype}; weights must be F32, F16 or BF16");
            }
            return checkpoint.Read(name);
        }
    }
}
