using Cqil.Lab.Core.Model;
using Cqil.Lab.Core.Tokenization;
using static TorchSharp.torch;

namespace Cqil.Lab.Core.Checkpoints;

/// <summary>A model with the tokenizer that goes with it.</summary>
public sealed class LoadedModel(LlamaModel model, TextTokenizer tokenizer) : IDisposable
{
    public LlamaModel Model { get; } = model;
    public TextTokenizer Tokenizer { get; } = tokenizer;

    public void Dispose() => Model.Dispose();
}

/// <summary>
/// Recognizes what a path holds (a Hugging Face folder or a llama2.c .bin) and loads the model and its
/// tokenizer. Messages for anything unusable name the path and the problem.
/// </summary>
public static class CheckpointLoader
{
    /// <summary>"huggingface", "llama2c", or null when the path is neither.</summary>
    public static string? DetectFormat(string path)
    {
        if (Directory.Exists(path))
        {
            return File.Exists(Path.Combine(path, HuggingFaceCheckpoint.ConfigFileName)) ? "huggingface" : null;
        }
        return Llama2cCheckpoint.LooksLikeCheckpoint(path) ? "llama2c" : null;
    }

    /// <summary>Reads only the architecture (cheap: no weights are loaded).</summary>
    public static LlamaConfig ReadConfig(string path) => DetectFormat(path) switch
    {
        "huggingface" => HuggingFaceConfigReader.Read(Path.Combine(path, HuggingFaceCheckpoint.ConfigFileName)),
        "llama2c" => Llama2cCheckpoint.ReadConfig(path),
        _ => throw NotAModel(path),
    };

    /// <summary>Who a model is (name, fingerprint, layer count) without loading its weights.</summary>
    public static ModelIdentity ReadIdentity(string path) => DetectFormat(path) switch
    {
        "huggingface" => HuggingFaceCheckpoint.ReadIdentity(path),
        "llama2c" => Llama2cCheckpoint.ReadIdentity(path),
        _ => throw NotAModel(path),
    };

    public static LoadedModel Load(string path, string? tokenizerPath = null, ScalarType? dtype = null, Device? device = null)
    {
        var targetDtype = dtype ?? ScalarType.Float32;
        var targetDevice = device ?? CPU;
        string? format = DetectFormat(path);
        // The tokenizer is resolved first: a missing one should not cost a full weight load.
        var tokenizer = TokenizerLoader.Load(tokenizerPath ?? FindTokenizer(path, format));
        var model = format switch
        {
            "huggingface" => HuggingFaceCheckpoint.Load(path, targetDtype, targetDevice),
            "llama2c" => Llama2cCheckpoint.Load(path, targetDtype, targetDevice),
            _ => throw NotAModel(path),
        };
        if (tokenizer.VocabSize > model.Config.VocabSize)
        {
            model.Dispose();
            throw InvalidInputException.ForFile(tokenizer.Source, $"tokenizer has {tokenizer.VocabSize} tokens but the model's vocabulary is {model.Config.VocabSize}");
        }
        // Generation stops at the tokenizer's EOS and at any the model config lists (Llama 3 has several).
        return new LoadedModel(model, tokenizer.WithExtraEos(model.Config.EosTokenIds, model.Config.BosTokenId));
    }

    /// <summary>The tokenizer file that goes with a model, or null when there is none.</summary>
    public static string? FindTokenizerOrNull(string path, string? format)
    {
        try
        {
            return FindTokenizer(path, format);
        }
        catch (InvalidInputException)
        {
            return null;
        }
    }

    private static string FindTokenizer(string path, string? format)
    {
        if (format == "huggingface")
        {
            return TokenizerLoader.Find(path) ?? throw InvalidInputException.ForFile(path, "missing tokenizer (no tokenizer.json or tokenizer.model in the folder); pass --tokenizer");
        }
        if (format == "llama2c")
        {
            string folder = Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".";
            int vocab = Llama2cCheckpoint.ReadConfig(path).VocabSize;
            return TokenizerLoader.Find(folder, [$"tok{vocab}.bin", $"tok{vocab}.model"])
                ?? throw InvalidInputException.ForFile(path, $"missing tokenizer (no tok{vocab}.bin or tokenizer.bin beside it); pass --tokenizer");
        }
        throw NotAModel(path);
    }

    private static InvalidInputException NotAModel(string path) =>
        Directory.Exists(path) || File.Exists(path)
            ? InvalidInputException.ForFile(path, "not a model: expected a Hugging Face folder with config.json and safetensors, or a llama2.c .bin checkpoint")
            : InvalidInputException.ForFile(path, "no such file or folder");
}
