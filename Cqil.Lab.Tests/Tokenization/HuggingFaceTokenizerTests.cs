using System.Text.Json;
using Cqil.Lab.Core;
using Cqil.Lab.Core.Tokenization;
using Cqil.Lab.Tests.Fixtures;

namespace Cqil.Lab.Tests.Tokenization;

/// <summary>tokenizer.json features checked on small hand-made vocabularies.</summary>
public sealed class HuggingFaceTokenizerTests : IDisposable
{
    private readonly TempDirectory dir = new();

    public void Dispose() => dir.Dispose();

    private TextTokenizer Write(object json, object? tokenizerConfig = null)
    {
        File.WriteAllText(dir.File("tokenizer.json"), JsonSerializer.Serialize(json));
        if (tokenizerConfig is not null)
        {
            File.WriteAllText(dir.File("tokenizer_config.json"), JsonSerializer.Serialize(tokenizerConfig));
        }
        return TokenizerLoader.Load(dir.Path);
    }

    private static Dictionary<string, int> Vocabulary(params string[] tokens) => tokens.Select((t, i) => (t, i)).ToDictionary(p => p.t, p => p.i);

    [Fact]
    public void Metaspace_pre_tokenizer_with_byte_fallback_and_merges()
    {
        var vocab = Vocabulary("<unk>", "<s>", "</s>", "<0xE2>", "<0x82>", "<0xAC>", "▁", "a", "b", "c", "▁a", "ab", "▁ab", "bc");
        var tokenizer = Write(new
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
            model = new { type = "BPE", unk_token = "<unk>", byte_fallback = true, vocab, merges = new[] { "▁ a", "a b", "▁a b", "b c" } },
        }, new { eos_token = "</s>" });

        // "ab" merges before "▁a"+"b" would: ranks decide, as in Hugging Face BPE.
        int[] ids = tokenizer.Encode("ab bc €");
        Assert.Equal([1, vocab["▁ab"], vocab["▁"], vocab["bc"], vocab["▁"], vocab["<0xE2>"], vocab["<0x82>"], vocab["<0xAC>"]], ids);
        Assert.Equal("ab bc €", tokenizer.Decode(ids));
        Assert.Equal([2], tokenizer.EosIds);
    }

    [Fact]
    public void Unknown_characters_become_unk_without_byte_fallback()
    {
        var vocab = Vocabulary("<unk>", "a", "b");
        var tokenizer = Write(new
        {
            model = new { type = "BPE", unk_token = "<unk>", byte_fallback = false, fuse_unk = true, vocab, merges = Array.Empty<string>() },
        });
        Assert.Equal([1, 0, 2], tokenizer.Encode("axyb"));
    }

    [Fact]
    public void Byte_level_pre_tokenizer_and_decoder_round_trip_any_text()
    {
        // GPT-2 byte alphabet: every byte has a character, so nothing is unknown.
        var chars = Enumerable.Range(0, 256).Select(b => ByteLevelAlphabetForTest(b)).ToArray();
        var vocab = chars.Select((c, i) => (c, i)).ToDictionary(p => p.c, p => p.i);
        vocab["Ġh"] = 256;
        vocab["Ġhi"] = 257;
        var tokenizer = Write(new
        {
            pre_tokenizer = new { type = "ByteLevel", add_prefix_space = false, use_regex = true },
            decoder = new { type = "ByteLevel" },
            model = new { type = "BPE", vocab, merges = new[] { "Ġ h", "Ġh i" } },
        });
        int[] ids = tokenizer.Encode("a hi é", addBos: false);
        Assert.Contains(257, ids);
        Assert.Equal("a hi é", tokenizer.Decode(ids));
    }

    [Theory]
    [InlineData("{\"model\": {\"type\": \"Unigram\", \"vocab\": []}}", "tokenizer model type 'Unigram' is not supported")]
    [InlineData("{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0}}, \"pre_tokenizer\": {\"type\": \"BertPreTokenizer\"}}", "pre_tokenizer type 'BertPreTokenizer' is not supported")]
    [InlineData("{\"model\": 3}", "no \"model\" object")]
    [InlineData("not json", "not valid JSON")]
    public void Unsupported_or_malformed_files_are_named(string json, string expected)
    {
        File.WriteAllText(dir.File("tokenizer.json"), json);
        var e = Assert.Throws<InvalidInputException>(() => TokenizerLoader.Load(dir.File("tokenizer.json")));
        Assert.Contains(expected, e.Message);
        Assert.Contains(dir.File("tokenizer.json"), e.Message);
    }

    [Fact]
    public void Corrupt_llama2c_tokenizer_bin_is_named()
    {
        string path = dir.File("tok.bin");
        File.WriteAllBytes(path, [.. BitConverter.GetBytes(16), .. BitConverter.GetBytes(0f), .. BitConverter.GetBytes(999)]);
        var e = Assert.Throws<InvalidInputException>(() => TokenizerLoader.Load(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("token 0 has length 999", e.Message);
    }

    private static string ByteLevelAlphabetForTest(int b)
    {
        // Independent restatement of GPT-2's bytes_to_unicode.
        var printable = Enumerable.Range('!', '~' - '!' + 1).Concat(Enumerable.Range('¡', '¬' - '¡' + 1)).Concat(Enumerable.Range('®', 'ÿ' - '®' + 1)).ToList();
        if (printable.Contains(b))
        {
            return ((char)b).ToString();
        }
        int n = Enumerable.Range(0, b).Count(x => !printable.Contains(x));
        return ((char)(256 + n)).ToString();
    }
}
