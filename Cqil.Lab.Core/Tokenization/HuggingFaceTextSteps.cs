using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Cqil.Lab.Core.Tokenization;

/// <summary>
/// The normalizer, pre-tokenizer and decoder a Hugging Face tokenizer.json declares, turned into plain
/// functions. Only the component types LLaMA-family tokenizers use are supported; anything else is
/// refused with its type name rather than silently tokenized differently.
/// </summary>
internal static partial class HuggingFaceTextSteps
{
    /// <summary>Splits text into pieces that BPE encodes independently.</summary>
    public delegate IEnumerable<string> PreTokenizer(string text, bool isFirstSegment);

    public static Func<string, string> Normalizer(JsonElement spec, string source)
    {
        if (spec.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined)
        {
            return s => s;
        }
        string type = TypeOf(spec, source, "normalizer");
        switch (type)
        {
            case "Sequence":
                var steps = spec.GetProperty("normalizers").EnumerateArray().Select(n => Normalizer(n, source)).ToArray();
                return s => steps.Aggregate(s, (acc, step) => step(acc));
            case "Prepend":
                string prefix = spec.GetProperty("prepend").GetString() ?? "";
                return s => s.Length == 0 ? s : prefix + s;
            case "Replace":
                var replace = Replacer(spec, source, "normalizer");
                return replace;
            case "NFC":
                return s => s.Normalize(NormalizationForm.FormC);
            case "NFD":
                return s => s.Normalize(NormalizationForm.FormD);
            case "NFKC":
                return s => s.Normalize(NormalizationForm.FormKC);
            case "NFKD":
                return s => s.Normalize(NormalizationForm.FormKD);
            case "Lowercase":
                return s => s.ToLowerInvariant();
            case "Strip":
                bool left = spec.TryGetProperty("strip_left", out var l) && l.GetBoolean();
                bool right = spec.TryGetProperty("strip_right", out var r) && r.GetBoolean();
                return s => left && right ? s.Trim() : left ? s.TrimStart() : right ? s.TrimEnd() : s;
            default:
                throw Unsupported(source, "normalizer", type);
        }
    }

    public static PreTokenizer? PreTokenizerOf(JsonElement spec, string source, out bool byteLevel)
    {
        byteLevel = false;
        if (spec.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined)
        {
            return null;
        }
        string type = TypeOf(spec, source, "pre_tokenizer");
        switch (type)
        {
            case "Sequence":
            {
                var parts = new List<PreTokenizer>();
                foreach (var p in spec.GetProperty("pretokenizers").EnumerateArray())
                {
                    var part = PreTokenizerOf(p, source, out bool partByteLevel);
                    byteLevel |= partByteLevel;
                    if (part is not null)
                    {
                        parts.Add(part);
                    }
                }
                return (text, first) =>
                {
                    IEnumerable<string> pieces = [text];
                    foreach (var part in parts)
                    {
                        pieces = pieces.SelectMany((piece, i) => part(piece, first && i == 0)).ToList();
                    }
                    return pieces;
                };
            }
            case "Metaspace":
            {
                string replacement = spec.TryGetProperty("replacement", out var rep) ? rep.GetString() ?? "▁" : "▁";
                string scheme = spec.TryGetProperty("prepend_scheme", out var ps) ? ps.GetString() ?? "always"
                    : spec.TryGetProperty("add_prefix_space", out var aps) && !aps.GetBoolean() ? "never" : "always";
                bool split = !spec.TryGetProperty("split", out var sp) || sp.GetBoolean();
                return (text, first) =>
                {
                    string replaced = text.Replace(" ", replacement);
                    if ((scheme == "always" || (scheme == "first" && first)) && !replaced.StartsWith(replacement, StringComparison.Ordinal))
                    {
                        replaced = replacement + replaced;
                    }
                    return split ? SplitBefore(replaced, replacement) : [replaced];
                };
            }
            case "ByteLevel":
            {
                byteLevel = true;
                bool addPrefixSpace = spec.TryGetProperty("add_prefix_space", out var aps) && aps.GetBoolean();
                bool useRegex = !spec.TryGetProperty("use_regex", out var ur) || ur.GetBoolean();
                return (text, first) =>
                {
                    string t = addPrefixSpace && !text.StartsWith(' ') ? " " + text : text;
                    return useRegex ? Gpt2Split().Matches(t).Select(m => m.Value) : [t];
                };
            }
            case "Split":
            {
                var pattern = spec.GetProperty("pattern");
                Regex regex = pattern.TryGetProperty("Regex", out var rx)
                    ? new Regex(rx.GetString() ?? "", RegexOptions.Compiled)
                    : new Regex(Regex.Escape(pattern.GetProperty("String").GetString() ?? ""), RegexOptions.Compiled);
                string behavior = spec.TryGetProperty("behavior", out var b) ? b.GetString() ?? "Isolated" : "Isolated";
                if (spec.TryGetProperty("invert", out var inv) && inv.GetBoolean())
                {
                    throw Unsupported(source, "pre_tokenizer", "Split with invert=true");
                }
                return (text, first) => SplitByRegex(text, regex, behavior, source);
            }
            case "Digits":
            {
                bool individual = spec.TryGetProperty("individual_digits", out var ind) && ind.GetBoolean();
                var regex = individual ? new Regex(@"\p{Nd}") : new Regex(@"\p{Nd}+");
                return (text, first) => SplitByRegex(text, regex, "Isolated", source);
            }
            default:
                throw Unsupported(source, "pre_tokenizer", type);
        }
    }

    /// <summary>Turns the token strings of decoded ids into text, step by step as the JSON lists them.</summary>
    public static Func<List<string>, List<string>> Decoder(JsonElement spec, string source)
    {
        if (spec.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined)
        {
            return tokens => [string.Concat(tokens)];
        }
        string type = TypeOf(spec, source, "decoder");
        switch (type)
        {
            case "Sequence":
                var steps = spec.GetProperty("decoders").EnumerateArray().Select(d => Decoder(d, source)).ToArray();
                return tokens => steps.Aggregate(tokens, (acc, step) => step(acc));
            case "Replace":
                var replace = Replacer(spec, source, "decoder");
                return tokens => tokens.Select(replace).ToList();
            case "ByteFallback":
                return FuseByteTokens;
            case "Fuse":
                return tokens => [string.Concat(tokens)];
            case "Strip":
            {
                string content = spec.GetProperty("content").GetString() ?? " ";
                int start = spec.GetProperty("start").GetInt32();
                int stop = spec.GetProperty("stop").GetInt32();
                return tokens => tokens.Select(t => StripToken(t, content, start, stop)).ToList();
            }
            case "Metaspace":
            {
                string replacement = spec.TryGetProperty("replacement", out var rep) ? rep.GetString() ?? "▁" : "▁";
                string scheme = spec.TryGetProperty("prepend_scheme", out var ps) ? ps.GetString() ?? "always" : "always";
                return tokens => tokens.Select((t, i) =>
                {
                    string s = t.Replace(replacement, " ");
                    return i == 0 && scheme != "never" && s.StartsWith(' ') ? s[1..] : s;
                }).ToList();
            }
            case "ByteLevel":
                return tokens => [Encoding.UTF8.GetString(ByteLevelAlphabet.Decode(string.Concat(tokens)))];
            default:
                throw Unsupported(source, "decoder", type);
        }
    }

    private static Func<string, string> Replacer(JsonElement spec, string source, string component)
    {
        var pattern = spec.GetProperty("pattern");
        string content = spec.GetProperty("content").GetString() ?? "";
        if (pattern.TryGetProperty("String", out var str))
        {
            string from = str.GetString() ?? "";
            return s => from.Length == 0 ? s : s.Replace(from, content, StringComparison.Ordinal);
        }
        if (pattern.TryGetProperty("Regex", out var rx))
        {
            var regex = new Regex(rx.GetString() ?? "", RegexOptions.Compiled);
            return s => regex.Replace(s, content);
        }
        throw Unsupported(source, component, "Replace without a String or Regex pattern");
    }

    // Consecutive "<0xNN>" tokens become the text their bytes spell; invalid UTF-8 becomes U+FFFD per byte.
    private static List<string> FuseByteTokens(List<string> tokens)
    {
        var output = new List<string>(tokens.Count);
        var bytes = new List<byte>();
        void Flush()
        {
            if (bytes.Count == 0)
            {
                return;
            }
            try
            {
                output.Add(new UTF8Encoding(false, true).GetString(bytes.ToArray()));
            }
            catch (DecoderFallbackException)
            {
                output.AddRange(bytes.Select(_ => "\uFFFD"));
            }
            bytes.Clear();
        }
        foreach (var t in tokens)
        {
            if (t.Length == 6 && t.StartsWith("<0x", StringComparison.Ordinal) && t[5] == '>' &&
                byte.TryParse(t.AsSpan(3, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out byte b))
            {
                bytes.Add(b);
                continue;
            }
            Flush();
            output.Add(t);
        }
        Flush();
        return output;
    }

    private static string StripToken(string token, string content, int start, int stop)
    {
        int from = 0, to = token.Length;
        for (int i = 0; i < start && from < to && token.AsSpan(from).StartsWith(content, StringComparison.Ordinal); i++)
        {
            from += content.Length;
        }
        for (int i = 0; i < stop && to > from && token.AsSpan(from, to - from).EndsWith(content, StringComparison.Ordinal); i++)
        {
            to -= content.Length;
        }
        return token[from..to];
    }

    private static IEnumerable<string> SplitBefore(string text, string marker)
    {
        int start = 0;
        for (int i = marker.Length > 0 ? text.IndexOf(marker, 1, StringComparison.Ordinal) : -1; i > 0; i = text.IndexOf(marker, i + 1, StringComparison.Ordinal))
        {
            yield return text[start..i];
            start = i;
        }
        if (start < text.Length)
        {
            yield return text[start..];
        }
    }

    private static List<string> SplitByRegex(string text, Regex regex, string behavior, string source)
    {
        var pieces = new List<string>();
        int at = 0;
        string pending = "";
        foreach (Match m in regex.Matches(text))
        {
            if (m.Length == 0)
            {
                continue;
            }
            string gap = text[at..m.Index];
            switch (behavior)
            {
                case "Isolated":
                    if (gap.Length > 0) pieces.Add(gap);
                    pieces.Add(m.Value);
                    break;
                case "Removed":
                    if (gap.Length > 0) pieces.Add(gap);
                    break;
                case "MergedWithPrevious":
                    pieces.Add(gap + m.Value);
                    break;
                case "MergedWithNext":
                    if (pending.Length > 0 || gap.Length > 0) pieces.Add(pending + gap);
                    pending = m.Value;
                    break;
                default:
                    throw Unsupported(source, "pre_tokenizer", $"Split behavior {behavior}");
            }
            at = m.Index + m.Length;
        }
        string tail = pending + text[at..];
        if (tail.Length > 0)
        {
            pieces.Add(tail);
        }
        return pieces;
    }

    private static string TypeOf(JsonElement spec, string source, string component) =>
        spec.ValueKind == JsonValueKind.Object && spec.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String
            ? t.GetString()!
            : throw InvalidInputException.ForFile(source, $"{component} has no \"type\"");

    private static InvalidInputException Unsupported(string source, string component, string type) =>
        InvalidInputException.ForFile(source, $"{component} type '{type}' is not supported (LLaMA-family tokenizers use Metaspace/ByteLevel/Split pieces)");

    [GeneratedRegex(@"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+")]
    private static partial Regex Gpt2Split();
}
