using System.Buffers;
using System.Text;
using System.Text.Json;
using Microsoft.ML.Tokenizers;

namespace Cqil.Lab.Core.Tokenization;

/// <summary>
/// A Hugging Face tokenizer.json BPE tokenizer. Merging is Microsoft.ML.Tokenizers' BpeTokenizer; around it
/// this class applies what the JSON declares and BpeTokenizer lacks: added/special tokens matched before
/// normalization, the normalizer, the pre-tokenizer (none means the whole text is one piece), byte fallback
/// for characters outside the vocabulary, and the decoder pipeline.
/// </summary>
public sealed class HuggingFaceTokenizer : Tokenizer
{
    private readonly BpeTokenizer bpe;
    private readonly Dictionary<string, int> vocabulary;
    private readonly string[] idToToken;
    private readonly Func<string, string> normalize;
    private readonly HuggingFaceTextSteps.PreTokenizer? preTokenize;
    private readonly Func<List<string>, List<string>> decode;
    private readonly (string Text, int Id)[] addedTokens;
    private readonly bool byteFallback;
    private readonly bool byteLevel;
    private readonly int? unknownId;
    private readonly bool fuseUnknown;

    private HuggingFaceTokenizer(BpeTokenizer bpe, Dictionary<string, int> vocabulary, Func<string, string> normalize,
        HuggingFaceTextSteps.PreTokenizer? preTokenize, Func<List<string>, List<string>> decode, (string, int)[] addedTokens,
        bool byteFallback, bool byteLevel, int? unknownId, bool fuseUnknown)
    {
        this.bpe = bpe;
        this.vocabulary = vocabulary;
        this.normalize = normalize;
        this.preTokenize = preTokenize;
        this.decode = decode;
        this.addedTokens = addedTokens.OrderByDescending(a => a.Item1.Length).ToArray();
        this.byteFallback = byteFallback;
        this.byteLevel = byteLevel;
        this.unknownId = unknownId;
        this.fuseUnknown = fuseUnknown;
        idToToken = new string[vocabulary.Values.Max() + 1];
        foreach (var (token, id) in vocabulary)
        {
            idToToken[id] = token;
        }
    }

    public int VocabularySize => idToToken.Length;

    public IReadOnlyDictionary<string, int> Vocabulary => vocabulary;

    /// <summary>Reads tokenizer.json (and BOS/EOS conventions from it and tokenizer_config.json beside it).</summary>
    public static TextTokenizer Load(string path) => MalformedInput.Guard(path, "tokenizer.json", () => LoadChecked(path));

    private static TextTokenizer LoadChecked(string path)
    {
        using var doc = ParseJson(path);
        var root = doc.RootElement;
        if (!root.TryGetProperty("model", out var model) || model.ValueKind != JsonValueKind.Object)
        {
            throw InvalidInputException.ForFile(path, "no \"model\" object; not a Hugging Face tokenizer.json");
        }
        string modelType = model.TryGetProperty("type", out var mt) ? mt.GetString() ?? "" : "BPE";
        if (modelType != "BPE")
        {
            throw InvalidInputException.ForFile(path, $"tokenizer model type '{modelType}' is not supported (only BPE)");
        }
        if (!model.TryGetProperty("vocab", out var vocabJson) || vocabJson.ValueKind != JsonValueKind.Object)
        {
            throw InvalidInputException.ForFile(path, "model.vocab is missing or not an object");
        }
        var vocabulary = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var entry in vocabJson.EnumerateObject())
        {
            if (entry.Value.ValueKind != JsonValueKind.Number || !entry.Value.TryGetInt32(out int id) || id < 0)
            {
                throw InvalidInputException.ForFile(path, $"vocab entry '{entry.Name}' has no valid id");
            }
            vocabulary[entry.Name] = id;
        }
        if (vocabulary.Count == 0)
        {
            throw InvalidInputException.ForFile(path, "model.vocab is empty");
        }
        var merges = new List<string>();
        if (model.TryGetProperty("merges", out var mergesJson) && mergesJson.ValueKind == JsonValueKind.Array)
        {
            foreach (var m in mergesJson.EnumerateArray())
            {
                merges.Add(m.ValueKind switch
                {
                    JsonValueKind.String => m.GetString()!,
                    JsonValueKind.Array when m.GetArrayLength() == 2 => m[0].GetString() + " " + m[1].GetString(),
                    _ => throw InvalidInputException.ForFile(path, $"merge #{merges.Count} is neither \"a b\" nor [\"a\", \"b\"]"),
                });
            }
        }

        var added = new List<(string Text, int Id, bool Special)>();
        if (root.TryGetProperty("added_tokens", out var addedJson) && addedJson.ValueKind == JsonValueKind.Array)
        {
            foreach (var a in addedJson.EnumerateArray())
            {
                string content = a.GetProperty("content").GetString() ?? "";
                int id = a.GetProperty("id").GetInt32();
                bool special = a.TryGetProperty("special", out var sp) && sp.GetBoolean();
                added.Add((content, id, special));
                vocabulary.TryAdd(content, id);
            }
        }

        string? unkToken = model.TryGetProperty("unk_token", out var unk) && unk.ValueKind == JsonValueKind.String ? unk.GetString() : null;
        bool byteFallback = model.TryGetProperty("byte_fallback", out var bf) && bf.ValueKind == JsonValueKind.True;
        bool fuseUnk = model.TryGetProperty("fuse_unk", out var fu) && fu.ValueKind == JsonValueKind.True;
        var normalize = HuggingFaceTextSteps.Normalizer(root.TryGetProperty("normalizer", out var n) ? n : default, path);
        var preTokenize = HuggingFaceTextSteps.PreTokenizerOf(root.TryGetProperty("pre_tokenizer", out var p) ? p : default, path, out bool byteLevel);
        var decode = HuggingFaceTextSteps.Decoder(root.TryGetProperty("decoder", out var d) ? d : default, path);

        BpeTokenizer bpe;
        try
        {
            var options = new BpeOptions(vocabulary.Select(kv => new KeyValuePair<string, int>(kv.Key, kv.Value)))
            {
                Merges = merges,
                UnknownToken = unkToken,
                FuseUnknownTokens = fuseUnk,
                ByteLevel = byteLevel,
            };
            bpe = BpeTokenizer.Create(options);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or FormatException)
        {
            throw InvalidInputException.ForFile(path, "vocabulary/merges rejected: " + e.Message, e);
        }

        int? unknownId = unkToken is not null && vocabulary.TryGetValue(unkToken, out int u) ? u : null;
        var inner = new HuggingFaceTokenizer(bpe, vocabulary, normalize, preTokenize, decode,
            added.Select(a => (a.Text, a.Id)).ToArray(), byteFallback, byteLevel, unknownId, fuseUnk);

        var (bosId, addBos) = BosConvention(root, path, vocabulary);
        var eosIds = new List<int>();
        if (TokenConfigValue(path, "eos_token") is string eos && vocabulary.TryGetValue(eos, out int eosId))
        {
            eosIds.Add(eosId);
        }
        return new TextTokenizer(inner, path, "huggingface-bpe", inner.VocabularySize, bosId, eosIds, addBos, added.Where(a => a.Special).Select(a => a.Id));
    }

    // BOS comes from the post-processor's template (what transformers does), else tokenizer_config.json.
    private static (int? BosId, bool AddBos) BosConvention(JsonElement root, string path, Dictionary<string, int> vocabulary)
    {
        int? bosId = TokenConfigValue(path, "bos_token") is string bos && vocabulary.TryGetValue(bos, out int b) ? b : null;
        if (root.TryGetProperty("post_processor", out var post) && post.ValueKind == JsonValueKind.Object)
        {
            foreach (var template in TemplateProcessors(post))
            {
                if (template.TryGetProperty("single", out var single) && single.ValueKind == JsonValueKind.Array && single.GetArrayLength() > 0
                    && single[0].TryGetProperty("SpecialToken", out var first))
                {
                    string name = first.GetProperty("id").GetString() ?? "";
                    if (vocabulary.TryGetValue(name, out int id))
                    {
                        return (id, true);
                    }
                }
                return (bosId, false);
            }
        }
        bool addBos = TokenConfigBool(path, "add_bos_token") ?? false;
        return (bosId, addBos && bosId is not null);
    }

    private static IEnumerable<JsonElement> TemplateProcessors(JsonElement post)
    {
        string type = post.TryGetProperty("type", out var t) ? t.GetString() ?? "" : "";
        if (type == "TemplateProcessing")
        {
            yield return post;
        }
        else if (type == "Sequence" && post.TryGetProperty("processors", out var list))
        {
            foreach (var inner in list.EnumerateArray().SelectMany(TemplateProcessors))
            {
                yield return inner;
            }
        }
    }

    private static string? TokenConfigValue(string tokenizerPath, string key)
    {
        using var doc = TokenizerConfig(tokenizerPath);
        if (doc is null || !doc.RootElement.TryGetProperty(key, out var v))
        {
            return null;
        }
        return v.ValueKind switch
        {
            JsonValueKind.String => v.GetString(),
            JsonValueKind.Object when v.TryGetProperty("content", out var c) => c.GetString(),
            _ => null,
        };
    }

    private static bool? TokenConfigBool(string tokenizerPath, string key)
    {
        using var doc = TokenizerConfig(tokenizerPath);
        return doc is not null && doc.RootElement.TryGetProperty(key, out var v) && v.ValueKind is JsonValueKind.True or JsonValueKind.False
            ? v.GetBoolean() : null;
    }

    private static JsonDocument? TokenizerConfig(string tokenizerPath)
    {
        string path = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(tokenizerPath)) ?? ".", "tokenizer_config.json");
        return File.Exists(path) ? ParseJson(path) : null;
    }

    private static JsonDocument ParseJson(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            return JsonDocument.Parse(stream, new JsonDocumentOptions { AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            throw InvalidInputException.ForFile(path, $"not valid JSON ({e.Message})", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw InvalidInputException.ForFile(path, "cannot read: " + e.Message, e);
        }
    }

    protected override EncodeResults<EncodedToken> EncodeToTokens(string? text, ReadOnlySpan<char> textSpan, EncodeSettings settings)
    {
        string input = text ?? new string(textSpan);
        var tokens = new List<EncodedToken>();
        bool first = true;
        foreach (var (segment, addedId, offset) in SplitOnAddedTokens(input))
        {
            if (addedId is int id)
            {
                tokens.Add(new EncodedToken(id, segment, new Range(offset, offset + segment.Length)));
                first = false;
                continue;
            }
            string normalized = settings.ConsiderNormalization ? normalize(segment) : segment;
            IEnumerable<string> pieces = settings.ConsiderPreTokenization && preTokenize is not null ? preTokenize(normalized, first) : [normalized];
            foreach (var piece in pieces)
            {
                EncodePiece(piece, offset, tokens);
            }
            first = false;
        }
        int max = settings.MaxTokenCount > 0 ? settings.MaxTokenCount : int.MaxValue;
        if (tokens.Count > max)
        {
            tokens.RemoveRange(max, tokens.Count - max);
        }
        return new EncodeResults<EncodedToken> { Tokens = tokens, NormalizedText = null, CharsConsumed = input.Length };
    }

    // Characters outside the vocabulary never merge with neighbours, so the known runs between them can be
    // merged independently and the unknown ones replaced by their UTF-8 byte tokens (or unk).
    private void EncodePiece(string piece, int offset, List<EncodedToken> tokens)
    {
        if (piece.Length == 0)
        {
            return;
        }
        if (byteLevel || (!byteFallback && unknownId is null))
        {
            AddBpe(piece, offset, tokens);
            return;
        }
        int runStart = 0;
        int at = 0;
        foreach (var rune in piece.EnumerateRunes())
        {
            string ch = rune.ToString();
            if (!vocabulary.ContainsKey(ch))
            {
                AddBpe(piece[runStart..at], offset + runStart, tokens);
                AddUnknown(rune, offset + at, tokens);
                runStart = at + ch.Length;
            }
            at += ch.Length;
        }
        AddBpe(piece[runStart..], offset + runStart, tokens);
    }

    private void AddBpe(string run, int offset, List<EncodedToken> tokens)
    {
        if (run.Length == 0)
        {
            return;
        }
        foreach (var t in bpe.EncodeToTokens(run, out _, considerPreTokenization: false, considerNormalization: false))
        {
            tokens.Add(new EncodedToken(t.Id, t.Value, new Range(offset + t.Offset.Start.Value, offset + t.Offset.End.Value)));
        }
    }

    private void AddUnknown(Rune rune, int offset, List<EncodedToken> tokens)
    {
        var range = new Range(offset, offset + rune.Utf16SequenceLength);
        if (byteFallback)
        {
            Span<byte> utf8 = stackalloc byte[4];
            int n = rune.EncodeToUtf8(utf8);
            var ids = new int[n];
            bool all = true;
            for (int i = 0; i < n && all; i++)
            {
                all = vocabulary.TryGetValue($"<0x{utf8[i]:X2}>", out ids[i]);
            }
            if (all)
            {
                for (int i = 0; i < n; i++)
                {
                    tokens.Add(new EncodedToken(ids[i], idToToken[ids[i]], range));
                }
                return;
            }
        }
        if (unknownId is int unk)
        {
            if (fuseUnknown && tokens.Count > 0 && tokens[^1].Id == unk)
            {
                return;
            }
            tokens.Add(new EncodedToken(unk, idToToken[unk], range));
        }
    }

    private IEnumerable<(string Segment, int? AddedId, int Offset)> SplitOnAddedTokens(string text)
    {
        if (addedTokens.Length == 0)
        {
            yield return (text, null, 0);
            yield break;
        }
        int start = 0;
        int at = 0;
        while (at < text.Length)
        {
            var match = addedTokens.FirstOrDefault(a => a.Text.Length > 0 && string.CompareOrdinal(text, at, a.Text, 0, a.Text.Length) == 0);
            if (match.Text is null)
            {
                at++;
                continue;
            }
            if (at > start)
            {
                yield return (text[start..at], null, start);
            }
            yield return (match.Text, match.Id, at);
            at += match.Text.Length;
            start = at;
        }
        if (start < text.Length)
        {
            yield return (text[start..], null, start);
        }
    }

    /// <summary>Text of <paramref name="ids"/> through the declared decoder.</summary>
    public string DecodeIds(IEnumerable<int> ids)
    {
        var tokens = new List<string>();
        foreach (int id in ids)
        {
            if (id >= 0 && id < idToToken.Length && idToToken[id] is string token)
            {
                tokens.Add(token);
            }
        }
        return string.Concat(decode(tokens));
    }

    public override OperationStatus Decode(IEnumerable<int> ids, Span<char> destination, out int idsConsumed, out int charsWritten)
    {
        var list = ids as IReadOnlyCollection<int> ?? ids.ToList();
        string text = DecodeIds(list);
        if (text.Length > destination.Length)
        {
            idsConsumed = 0;
            charsWritten = 0;
            return OperationStatus.DestinationTooSmall;
        }
        text.AsSpan().CopyTo(destination);
        idsConsumed = list.Count;
        charsWritten = text.Length;
        return OperationStatus.Done;
    }
}
