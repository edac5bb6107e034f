using Microsoft.ML.Tokenizers;

namespace Cqil.Lab.Core.Tokenization;

/// <summary>
/// The one place that turns a tokenizer file into a <see cref="TextTokenizer"/>: Hugging Face tokenizer.json,
/// SentencePiece tokenizer.model, or llama2.c tokenizer.bin. Given a folder, it picks the file the folder has.
/// </summary>
public static class TokenizerLoader
{
    /// <summary>File names searched in a model folder, in order of preference.</summary>
    public static readonly string[] KnownFileNames = ["tokenizer.json", "tokenizer.model", "tokenizer.bin"];

    public static TextTokenizer Load(string path)
    {
        if (Directory.Exists(path))
        {
            string? found = Find(path) ?? throw InvalidInputException.ForFile(path, "no tokenizer found (looked for " + string.Join(", ", KnownFileNames) + "); pass --tokenizer");
            path = found;
        }
        if (!File.Exists(path))
        {
            throw InvalidInputException.ForFile(path, "tokenizer file not found");
        }
        string name = Path.GetFileName(path).ToLowerInvariant();
        if (name.EndsWith(".json", StringComparison.Ordinal))
        {
            return HuggingFaceTokenizer.Load(path);
        }
        if (name.EndsWith(".model", StringComparison.Ordinal))
        {
            return LoadSentencePiece(path);
        }
        if (name.EndsWith(".bin", StringComparison.Ordinal))
        {
            return Llama2cTokenizerFile.Load(path);
        }
        throw InvalidInputException.ForFile(path, "unknown tokenizer format (expected tokenizer.json, a SentencePiece .model or a llama2.c .bin)");
    }

    /// <summary>The tokenizer file in <paramref name="folder"/>, or null.</summary>
    public static string? Find(string folder, IEnumerable<string>? extraNames = null)
    {
        foreach (var name in (extraNames ?? []).Concat(KnownFileNames))
        {
            string candidate = Path.Combine(folder, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        return null;
    }

    private static TextTokenizer LoadSentencePiece(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            var sp = LlamaTokenizer.Create(stream, addBeginOfSentence: false, addEndOfSentence: false);
            int vocab = sp.Vocabulary.Count == 0 ? 0 : sp.Vocabulary.Values.Max() + 1;
            int? bos = sp.BeginningOfSentenceId >= 0 ? sp.BeginningOfSentenceId : null;
            var eos = sp.EndOfSentenceId >= 0 ? new[] { sp.EndOfSentenceId } : [];
            return new TextTokenizer(sp, path, "sentencepiece", vocab, bos, eos, addBosByDefault: true);
        }
        catch (Exception e) when (e is not InvalidInputException and not OutOfMemoryException)
        {
            throw InvalidInputException.ForFile(path, "not a readable SentencePiece model: " + e.Message, e);
        }
    }
}
