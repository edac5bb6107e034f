using Cqil.Lab.Core;
using Cqil.Lab.Core.Demo;
using Cqil.Lab.Core.Tokenization;
using Cqil.Lab.Tests.Fixtures;

namespace Cqil.Lab.Tests.Demo;

public sealed class DemoTokenizerTests : IDisposable
{
    private readonly TempDirectory folder = new();
    private readonly TextTokenizer tokenizer;

    public DemoTokenizerTests()
    {
        DemoTokenizerFiles.Write(folder.Path, 1);
        tokenizer = TokenizerLoader.Load(folder.Path);
    }

    public void Dispose() => folder.Dispose();

    [Fact]
    public void Loads_as_a_Hugging_Face_tokenizer_without_BOS_and_with_EOS()
    {
        Assert.True(File.Exists(folder.File("tokenizer_config.json")));
        Assert.Equal("huggingface-bpe", tokenizer.Kind);
        Assert.False(tokenizer.AddBosByDefault);
        Assert.Equal(1, tokenizer.BosId);
        Assert.Equal([2], tokenizer.EosIds);
    }

    [Fact]
    public void Round_trips_stories_exactly_and_every_word_is_one_token()
    {
        var random = new SplitMix64(3);
        for (int i = 0; i < 100; i++)
        {
            string text = StoryGenerator.Generate(random).Text;
            var ids = tokenizer.Encode(text, addBos: false);
            Assert.Equal(text, tokenizer.Decode(ids));
            // Words, fact ends and newlines: one token each.
            int pieces = text.Split([' ', '\n'], StringSplitOptions.RemoveEmptyEntries).Sum(w => 1 + w.Count(c => c == '.'))
                + text.Count(c => c == '\n');
            Assert.Equal(pieces, ids.Length);
        }
        foreach (var word in StoryLexicon.AllWords())
        {
            Assert.Single(tokenizer.Encode(word, addBos: false));
            Assert.Single(tokenizer.Encode("\nwhere " + word, addBos: false).Skip(3)); // "\n", "▁", "where"
        }
    }

    [Fact]
    public void A_context_is_a_token_prefix_of_context_plus_answer()
    {
        string context = "Tom park. ball red.\nwhere Tom";
        var contextIds = tokenizer.Encode(context, addBos: false);
        var fullIds = tokenizer.Encode(context + " park", addBos: false);
        Assert.Equal(contextIds, fullIds[..contextIds.Length]);
        Assert.Single(fullIds[contextIds.Length..]);
    }

    [Fact]
    public void Text_outside_the_language_round_trips_through_byte_fallback()
    {
        const string text = "Zoë ate 3 crêpes — naïvely!";
        Assert.Equal(text, tokenizer.Decode(tokenizer.Encode(text, addBos: false)));
    }

    [Fact]
    public void The_same_seed_writes_the_same_files()
    {
        using var other = new TempDirectory();
        DemoTokenizerFiles.Write(other.Path, 1);
        Assert.Equal(File.ReadAllText(folder.File("tokenizer.json")), File.ReadAllText(other.File("tokenizer.json")));
    }
}
