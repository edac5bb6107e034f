using System.Text.Json;

namespace Cqil.Lab.Tests.Fixtures;

/// <summary>
/// A small random model laid out like the demo model (models/demo): a Hugging Face folder with a character-level
/// tokenizer.json that reads any text, multiple-choice tasks in tasks/*.jsonl and a held-out text. Its numbers
/// mean nothing; it exercises every path the lab takes.
/// </summary>
public static class LabModelFixture
{
    public const string TaskName = "colours";

    public static TinyLlamaSpec Spec(int layers = 6) => new() { Vocab = 360, Hidden = 32, Intermediate = 64, Layers = layers, Heads = 4, KvHeads = 2, MaxPositions = 256 };

    /// <summary>Writes the model into <paramref name="folder"/> and returns it.</summary>
    public static string Write(string folder, int layers = 6, int items = 40, long seed = 7)
    {
        var spec = Spec(layers);
        HfFixture.WriteFolder(folder, spec, HfFixture.RandomTensors(spec, seed));
        File.WriteAllText(Path.Combine(folder, "tokenizer.json"), TokenizerJson());
        File.WriteAllText(Path.Combine(folder, "tokenizer_config.json"), "{\"eos_token\": \"</s>\", \"bos_token\": \"<s>\"}");
        string tasks = Path.Combine(folder, "tasks");
        Directory.CreateDirectory(tasks);
        string[] colours = ["red", "blue", "green", "yellow"];
        string[] names = ["Ann", "Bob", "Cy", "Dee", "Eve"];
        var lines = new List<string>();
        var random = new Random((int)seed);
        for (int i = 0; i < items; i++)
        {
            int gold = random.Next(2);
            string right = colours[i % 4], wrong = colours[(i + 1) % 4];
            lines.Add(JsonSerializer.Serialize(new
            {
                context = $"{names[i % 5]} has a {right} ball. {names[(i + 2) % 5]} has a {wrong} cup.\nQuestion: What colour is the ball of {names[i % 5]}?\nAnswer:",
                choices = gold == 0 ? new[] { right, wrong } : [wrong, right],
                gold,
                id = $"c{i}",
            }));
        }
        File.WriteAllLines(Path.Combine(tasks, TaskName + ".jsonl"), lines);
        var story = string.Join("\n\n", Enumerable.Range(0, 60).Select(i => $"{names[i % 5]} went to the park with a {colours[i % 4]} kite. It was a sunny day, and the kite flew high. Then {names[(i + 1) % 5]} came to play."));
        File.WriteAllText(Path.Combine(folder, "heldout.txt"), story);
        return folder;
    }

    /// <summary>Every byte as a byte-fallback piece plus printable ASCII and the word-start mark; no merges.</summary>
    public static string TokenizerJson()
    {
        var vocab = new Dictionary<string, int> { ["<unk>"] = 0, ["<s>"] = 1, ["</s>"] = 2 };
        for (int b = 0; b < 256; b++)
        {
            vocab[$"<0x{b:X2}>"] = vocab.Count;
        }
        vocab["▁"] = vocab.Count;
        for (char c = '!'; c <= '~'; c++)
        {
            vocab[c.ToString()] = vocab.Count;
        }
        var json = new
        {
            added_tokens = new[] { new { id = 1, content = "<s>", special = true }, new { id = 2, content = "</s>", special = true } },
            normalizer = (object?)null,
            pre_tokenizer = new { type = "Metaspace", replacement = "▁", prepend_scheme = "always", split = true },
            post_processor = new
            {
                type = "TemplateProcessing",
                single = new object[] { new { SpecialToken = new { id = "<s>", type_id = 0 } }, new { Sequence = new { id = "A", type_id = 0 } } },
            },
            decoder = new { type = "Sequence", decoders = new object[] { new { type = "ByteFallback" }, new { type = "Metaspace", replacement = "▁", prepend_scheme = "always" } } },
            model = new { type = "BPE", unk_token = "<unk>", byte_fallback = true, vocab, merges = Array.Empty<string>() },
        };
        return JsonSerializer.Serialize(json);
    }

    /// <summary>The repository's demo model when it exists (models/demo), else null.</summary>
    public static string? DemoModel()
    {
        string? repo = SharedData.RepositoryRoot();
        string? demo = repo is null ? null : Path.Combine(repo, "models", "demo");
        return demo is not null && File.Exists(Path.Combine(demo, "config.json")) ? demo : null;
    }
}
