using System.Text;
using System.Text.Json;
using Cqil.Lab.Core.Checkpoints;
using Cqil.Lab.Core.Cqil;
using Cqil.Lab.Core.Tokenization;
using Cqil.Lab.Tests.Fixtures;
using static TorchSharp.torch;

namespace Cqil.Lab.Tests.Robustness;

/// <summary>Small valid inputs for every parser, the starting points of the mutation fuzzing.</summary>
public static class FuzzSeeds
{
    public static byte[] Safetensors(string folder)
    {
        string path = Path.Combine(folder, "seed.safetensors");
        SafetensorsWriter.Write(path, [("a.weight", randn([3, 4]).DetachFromDisposeScope()), ("b.bias", ones([5], ScalarType.BFloat16).DetachFromDisposeScope())],
            new Dictionary<string, string> { ["format"] = "pt" });
        return File.ReadAllBytes(path);
    }

    public static byte[] Config() => Encoding.UTF8.GetBytes(HfFixture.ConfigJson(new TinyLlamaSpec { Llama3Scaling = (8, 1, 4, 64) }));

    public static byte[] TokenizerJson() => Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new
    {
        added_tokens = new[] { new { id = 1, content = "<s>", special = true }, new { id = 2, content = "</s>", special = true } },
        normalizer = new { type = "Sequence", normalizers = new object[] { new { type = "Prepend", prepend = "▁" }, new { type = "Replace", pattern = new { String = " " }, content = "▁" } } },
        pre_tokenizer = (object?)null,
        post_processor = new { type = "TemplateProcessing", single = new object[] { new { SpecialToken = new { id = "<s>", type_id = 0 } }, new { Sequence = new { id = "A", type_id = 0 } } } },
        decoder = new { type = "Sequence", decoders = new object[] { new { type = "Replace", pattern = new { String = "▁" }, content = " " }, new { type = "ByteFallback" }, new { type = "Fuse" }, new { type = "Strip", content = " ", start = 1, stop = 0 } } },
        model = new
        {
            type = "BPE", unk_token = "<unk>", byte_fallback = true,
            vocab = new Dictionary<string, int> { ["<unk>"] = 0, ["<s>"] = 1, ["</s>"] = 2, ["<0xE2>"] = 3, ["<0x82>"] = 4, ["<0xAC>"] = 5, ["▁"] = 6, ["a"] = 7, ["b"] = 8, ["▁a"] = 9, ["ab"] = 10 },
            merges = new[] { "▁ a", "a b" },
        },
    }));

    public static byte[] Llama2cTokenizer()
    {
        using var stream = new MemoryStream();
        using var w = new BinaryWriter(stream);
        w.Write(16);
        void Piece(string text, float score)
        {
            var bytes = Encoding.UTF8.GetBytes(text);
            w.Write(score);
            w.Write(bytes.Length);
            w.Write(bytes);
        }
        Piece("<unk>", 0);
        Piece("\n<s>\n", 0);
        Piece("\n</s>\n", 0);
        for (int b = 0; b < 256; b++)
        {
            Piece($"<0x{b:X2}>", 0);
        }
        Piece(" a", -1);
        Piece(" b", -2);
        Piece("ab", -3);
        return stream.ToArray();
    }

    public static byte[] SentencePieceModel() => SentencePieceModelWriter.Write(
        [new("<unk>", 0, SentencePieceModelWriter.PieceType.Unknown), new("<s>", 0, SentencePieceModelWriter.PieceType.Control),
         new("</s>", 0, SentencePieceModelWriter.PieceType.Control), new("▁", -1, SentencePieceModelWriter.PieceType.Normal),
         new("a", -2, SentencePieceModelWriter.PieceType.Normal), new("▁a", -3, SentencePieceModelWriter.PieceType.Normal)],
        byteFallback: false, addDummyPrefix: true, removeExtraWhitespaces: false, unkId: 0, bosId: 1, eosId: 2);

    public static byte[] Llama2cCheckpoint()
    {
        int dim = 8, hidden = 16, layers = 1, heads = 2, kv = 1, vocab = 10, seq = 4, head = dim / heads;
        using var stream = new MemoryStream();
        using var w = new BinaryWriter(stream);
        foreach (int v in new[] { dim, hidden, layers, heads, kv, vocab, seq })
        {
            w.Write(v);
        }
        int floats = vocab * dim + layers * (dim + dim * dim + 2 * dim * kv * head + dim * dim + dim + 3 * dim * hidden) + dim + seq * head;
        for (int i = 0; i < floats; i++)
        {
            w.Write((float)Math.Sin(i));
        }
        return stream.ToArray();
    }

    public static byte[] LabPlan() => Encoding.UTF8.GetBytes(new PlanDocument(
        GroupPlan.FromCompleteGroups(8, [[0], [1, 2], [3, 4, 5], [6], [7]], 1, BypassMode.Residual, new Dictionary<int, (int, BypassMode)> { [3] = (0, BypassMode.FfnInput) }),
        new PlanModelReference("tiny", "abc", 8), "seed", "notes").ToJson());

    public static byte[] AuthorsPlan() => Encoding.UTF8.GetBytes("{\"num_hidden_layers\": 8, \"cqil_layers\": [[2, 3], [4, 5]], \"d\": 1}");

    public static readonly Dictionary<string, (string File, string Text)> Tasks = new()
    {
        ["piqa"] = ("valid.jsonl", "{\"id\": \"a\", \"goal\": \"Dry a towel\", \"sol1\": \"Hang it up.\", \"sol2\": \"Soak it.\"}\n{\"id\": \"b\", \"goal\": \"Cut paper\", \"sol1\": \"Use scissors.\", \"sol2\": \"Use soup.\"}\n"),
        ["arc_easy"] = ("arc.jsonl", "{\"id\": \"q1\", \"question\": {\"stem\": \"What is wet?\", \"choices\": [{\"text\": \"water\", \"label\": \"A\"}, {\"text\": \"sand\", \"label\": \"B\"}]}, \"answerKey\": \"A\"}\n"),
        ["winogrande"] = ("dev.jsonl", "{\"qID\": \"x\", \"sentence\": \"The cup fell because _ was slippery.\", \"option1\": \"the cup\", \"option2\": \"the table\", \"answer\": \"1\"}\n"),
        ["hellaswag"] = ("hellaswag.txt", "Cooking: A man cuts onions. he\n2\nadds salt.\nsings loudly.\nputs them in a pan.\nleaves.\n"),
        ["boolq"] = ("boolq.json", "[{\"question\": \"is water wet\", \"title\": \"Water\", \"answer\": true, \"passage\": \"Water is wet.\"}]"),
        ["lambada_openai"] = ("lambada.jsonl", "{\"text\": \"She opened the door and saw her friend\"}\n{\"text\": \"He drank a glass of milk\"}\n"),
        ["wikitext"] = ("wiki.txt", " = Title = \r\n\r\n The first line of text . \r\n\r\n = = Section = = \r\n\r\n More text here . \r\n"),
        ["mc-jsonl"] = ("mc.jsonl", "{\"context\": \"Question: 2+2?\\nAnswer:\", \"choices\": [\"4\", \"5\"], \"gold\": 0, \"id\": \"m1\"}\n"),
        ["text"] = ("doc.txt", "Some plain text.\n\nAnother paragraph.\n"),
    };
}
