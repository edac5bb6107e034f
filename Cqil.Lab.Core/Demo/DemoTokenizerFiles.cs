using System.Text.Json;
using System.Text.Json.Nodes;
using Cqil.Lab.Core.Tokenization;

namespace Cqil.Lab.Core.Demo;

/// <summary>
/// Makes the demo tokenizer as Hugging Face files (tokenizer.json, tokenizer_config.json): a LLaMA-style BPE
/// with byte fallback whose pre-tokenizer isolates punctuation and newlines and marks word starts with "▁"
/// (Metaspace, prefix only at the start of a text). Its merges are learned from the demo language, so every
/// word of the language, with or without a leading space, is one token.
/// </summary>
public static class DemoTokenizerFiles
{
    public const string Unknown = "<unk>";
    public const string Bos = "<s>";
    public const string Eos = "</s>";
    private const string WordStart = "▁";

    /// <summary>Stories whose words are counted for the merge order (frequent pieces merge first).</summary>
    private const int SampleStories = 500;

    public static void Write(string folder, ulong seed)
    {
        Directory.CreateDirectory(folder);
        var options = new JsonSerializerOptions { WriteIndented = true };
        File.WriteAllText(Path.Combine(folder, "tokenizer.json"), Build(seed).ToJsonString(options));
        File.WriteAllText(Path.Combine(folder, "tokenizer_config.json"), Config().ToJsonString(options));
    }

    /// <summary>The tokenizer.json document.</summary>
    public static JsonObject Build(ulong seed)
    {
        var preTokenizer = PreTokenizer();
        var counts = CountPieces(preTokenizer, seed);
        var bpe = BpeTrainer.Train(counts);

        var vocab = new JsonObject();
        int next = 0;
        void Add(string token)
        {
            if (!vocab.ContainsKey(token))
            {
                vocab[token] = next++;
            }
        }
        Add(Unknown);
        Add(Bos);
        Add(Eos);
        for (int b = 0; b < 256; b++)
        {
            Add($"<0x{b:X2}>");
        }
        foreach (var symbol in bpe.Alphabet)
        {
            Add(symbol);
        }
        foreach (var (left, right) in bpe.Merges)
        {
            Add(left + right);
        }

        JsonObject Special(string content, int id) => new()
        {
            ["id"] = id, ["content"] = content, ["single_word"] = false, ["lstrip"] = false, ["rstrip"] = false,
            ["normalized"] = false, ["special"] = true,
        };
        return new JsonObject
        {
            ["version"] = "1.0",
            ["truncation"] = null,
            ["padding"] = null,
            ["added_tokens"] = new JsonArray(Special(Unknown, 0), Special(Bos, 1), Special(Eos, 2)),
            ["normalizer"] = null,
            ["pre_tokenizer"] = preTokenizer,
            ["post_processor"] = null,
            ["decoder"] = new JsonObject
            {
                ["type"] = "Sequence",
                ["decoders"] = new JsonArray(
                    new JsonObject { ["type"] = "ByteFallback" },
                    new JsonObject { ["type"] = "Fuse" },
                    new JsonObject { ["type"] = "Metaspace", ["replacement"] = WordStart, ["prepend_scheme"] = "first", ["split"] = true }),
            },
            ["model"] = new JsonObject
            {
                ["type"] = "BPE",
                ["dropout"] = null,
                ["unk_token"] = Unknown,
                ["continuing_subword_prefix"] = null,
                ["end_of_word_suffix"] = null,
                ["fuse_unk"] = true,
                ["byte_fallback"] = true,
                ["ignore_merges"] = false,
                ["vocab"] = vocab,
                ["merges"] = new JsonArray(bpe.Merges.Select(m => (JsonNode)new JsonArray(m.Left, m.Right)).ToArray()),
            },
        };
    }

    /// <summary>tokenizer_config.json: no BOS is added (the demo model is trained and scored without one).</summary>
    public static JsonObject Config() => new()
    {
        ["tokenizer_class"] = "LlamaTokenizerFast",
        ["add_bos_token"] = false,
        ["add_eos_token"] = false,
        ["bos_token"] = Bos,
        ["eos_token"] = Eos,
        ["unk_token"] = Unknown,
        ["model_max_length"] = DemoModelSpec.MaxPositions,
        ["clean_up_tokenization_spaces"] = false,
        ["legacy"] = false,
    };

    private static JsonObject PreTokenizer() => new()
    {
        ["type"] = "Sequence",
        ["pretokenizers"] = new JsonArray(
            new JsonObject
            {
                ["type"] = "Split",
                ["pattern"] = new JsonObject { ["Regex"] = "[.,:;!?\\n]" },
                ["behavior"] = "Isolated",
                ["invert"] = false,
            },
            new JsonObject { ["type"] = "Metaspace", ["replacement"] = WordStart, ["prepend_scheme"] = "first", ["split"] = true }),
    };

    // Pieces of sample stories, as the pre-tokenizer cuts them, plus every word of the lexicon in both forms
    // (after a space and at the start of a line), so words that are rare in the sample still become one token.
    private static Dictionary<string, int> CountPieces(JsonObject preTokenizerSpec, ulong seed)
    {
        using var doc = JsonDocument.Parse(preTokenizerSpec.ToJsonString());
        var preTokenize = HuggingFaceTextSteps.PreTokenizerOf(doc.RootElement, "demo tokenizer", out _)
            ?? throw new InvalidOperationException("the demo pre-tokenizer is missing");
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        var random = SplitMix64.Derive(seed, "tokenizer");
        for (int i = 0; i < SampleStories; i++)
        {
            foreach (var piece in preTokenize(StoryGenerator.Generate(random).Text, true))
            {
                counts[piece] = counts.GetValueOrDefault(piece) + 1;
            }
        }
        foreach (var word in StoryLexicon.AllWords())
        {
            foreach (var piece in new[] { word, WordStart + word })
            {
                counts[piece] = counts.GetValueOrDefault(piece) + 1;
            }
        }
        foreach (var mark in StoryLexicon.Punctuation)
        {
            counts[mark] = counts.GetValueOrDefault(mark) + 1;
        }
        return counts;
    }
}
