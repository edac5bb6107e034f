using System.Globalization;

namespace Cqil.Lab.Core.Model;

/// <summary>
/// A randomly initialized model named on the command line instead of a checkpoint, for latency work on shapes
/// nobody has weights for here: <c>random:llama-7b</c>, <c>random:layers=12,hidden=512</c>, or a preset with
/// overrides (<c>random:llama-7b,layers=8</c>). Latency does not depend on the weights' values, only on shapes.
/// </summary>
public sealed record RandomModelSpec(LlamaConfig Config, long Seed, string Text)
{
    public const string Prefix = "random:";

    /// <summary>Shapes of published models (LLaMA 1/2 7B and 13B: heads of 128, no grouped-query sharing).</summary>
    private static readonly Dictionary<string, LlamaConfig> Presets = new(StringComparer.OrdinalIgnoreCase)
    {
        ["llama-7b"] = Shape(hidden: 4096, layers: 32, ffn: 11008, vocab: 32000, heads: 32),
        ["llama-13b"] = Shape(hidden: 5120, layers: 40, ffn: 13824, vocab: 32000, heads: 40),
    };

    public static bool IsRandom(string? text) => text is not null && text.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase);

    /// <summary>Parses a <c>random:…</c> model argument; the message names the part that is wrong.</summary>
    public static RandomModelSpec Parse(string text)
    {
        if (!IsRandom(text))
        {
            throw new InvalidInputException($"model '{text}': a random model is written random:PRESET or random:layers=N,hidden=N (presets: {string.Join(", ", Presets.Keys)})");
        }
        var parts = text[Prefix.Length..].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        LlamaConfig? preset = null;
        var values = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        foreach (string part in parts)
        {
            int eq = part.IndexOf('=');
            if (eq < 0)
            {
                if (preset is not null || !Presets.TryGetValue(part, out preset))
                {
                    throw new InvalidInputException($"model '{text}': '{part}' is not a preset (presets: {string.Join(", ", Presets.Keys)})");
                }
                continue;
            }
            string key = part[..eq].Trim();
            if (!int.TryParse(part[(eq + 1)..], NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) || value < 1)
            {
                throw new InvalidInputException($"model '{text}': '{part}' needs a positive whole number");
            }
            if (key is not ("layers" or "hidden" or "heads" or "kv-heads" or "ffn" or "vocab" or "seed" or "max-positions"))
            {
                throw new InvalidInputException($"model '{text}': unknown key '{key}' (layers, hidden, heads, kv-heads, ffn, vocab, seed, max-positions)");
            }
            values[key] = value;
        }
        int? Get(string key) => values.TryGetValue(key, out int v) ? v : null;
        int hidden = Get("hidden") ?? preset?.HiddenSize ?? throw new InvalidInputException($"model '{text}': give hidden=N or a preset");
        int layers = Get("layers") ?? preset?.NumLayers ?? throw new InvalidInputException($"model '{text}': give layers=N or a preset");
        // A changed width re-derives the head count and FFN size (64-wide heads, FFN ≈ 2.75 × hidden, as the
        // repository's benchmarks use) unless given.
        bool sameWidth = preset is not null && hidden == preset.HiddenSize;
        var shape = Shape(hidden, layers, Get("ffn") ?? (sameWidth ? preset!.IntermediateSize : DefaultFfn(hidden)),
            Get("vocab") ?? preset?.VocabSize ?? 4096, Get("heads") ?? (sameWidth ? preset!.NumHeads : null), Get("kv-heads"),
            Get("max-positions") ?? preset?.MaxPositions ?? 2048);
        shape.Validate(text);
        return new RandomModelSpec(shape, Get("seed") ?? 0, text);
    }

    private static int DefaultFfn(int hidden) => Math.Max(64, hidden * 11 / 4 / 64 * 64);

    private static LlamaConfig Shape(int hidden, int layers, int ffn, int vocab, int? heads = null, int? kvHeads = null, int maxPositions = 2048)
    {
        int h = heads ?? Math.Max(1, hidden / 64);
        if (hidden % h != 0)
        {
            throw new InvalidInputException($"hidden {hidden} is not divisible by {h} heads");
        }
        return new LlamaConfig
        {
            VocabSize = vocab, HiddenSize = hidden, IntermediateSize = ffn, NumLayers = layers,
            NumHeads = h, NumKvHeads = kvHeads ?? h, HeadDim = hidden / h, MaxPositions = maxPositions,
        };
    }
}
