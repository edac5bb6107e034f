using Cqil.Lab.Core.Tokenization;
using Cqil.Lab.Tests.Fixtures;

namespace Cqil.Lab.Tests.Tokenization;

/// <summary>Tokenizers of the real models in ../shared.</summary>
public sealed class SharedTokenizerTests
{
    private static IEnumerable<string> SampleLines() =>
        File.ReadAllLines(SharedData.Path("data/tinystories/tinystories_sample.txt")).Where(l => l.Length > 0);

    [SharedDataFact("data/stories260K/tok512.bin", "data/stories260K/tok512.model", "data/tinystories/tinystories_sample.txt")]
    public void Llama2c_tokenizer_bin_encodes_like_its_sentencepiece_model()
    {
        var fromBin = TokenizerLoader.Load(SharedData.Path("data/stories260K/tok512.bin"));
        var fromModel = TokenizerLoader.Load(SharedData.Path("data/stories260K/tok512.model"));
        foreach (var line in SampleLines())
        {
            Assert.Equal(fromModel.Encode(line), fromBin.Encode(line));
            Assert.Equal(line, fromBin.Decode(fromBin.Encode(line)));
        }
        Assert.Equal([1, 403, 407, 261, 378], fromBin.Encode("Once upon a time"));
        Assert.Equal(1, fromBin.BosId);
        Assert.Equal([2], fromBin.EosIds);
    }

    [SharedDataFact("data/llama2c-tokenizer/tokenizer.bin", "data/llama2c-tokenizer/tokenizer.model", "data/tinystories/tinystories_sample.txt")]
    public void Llama2_32k_tokenizer_bin_and_model_agree()
    {
        var fromBin = TokenizerLoader.Load(SharedData.Path("data/llama2c-tokenizer/tokenizer.bin"));
        var fromModel = TokenizerLoader.Load(SharedData.Path("data/llama2c-tokenizer/tokenizer.model"));
        Assert.Equal(32000, fromModel.VocabSize);
        foreach (var line in SampleLines())
        {
            Assert.Equal(fromModel.Encode(line), fromBin.Encode(line));
        }
    }

    [SharedDataFact("data/stories260K/tok512.bin")]
    public void Characters_outside_the_vocabulary_fall_back_to_bytes_and_decode_back()
    {
        var tokenizer = TokenizerLoader.Load(SharedData.Path("data/stories260K/tok512.bin"));
        string text = "Zoë paid 5€ 🙂";
        int[] ids = tokenizer.Encode(text, addBos: false);
        Assert.Contains(ids, id => id >= 3 && id < 259); // byte pieces <0x00>..<0xFF>
        Assert.Equal(text, tokenizer.Decode(ids));
    }

    [SharedDataFact("data/TinyStories-656K/tokenizer.json", "data/tinystories/tinystories_sample.txt")]
    public void TinyStories_tokenizer_json_follows_its_normalizer_template_and_decoder()
    {
        var tokenizer = TokenizerLoader.Load(SharedData.Path("data/TinyStories-656K/tokenizer.json"));
        Assert.Equal("huggingface-bpe", tokenizer.Kind);
        Assert.Equal(2048, tokenizer.VocabSize);
        Assert.Equal(1, tokenizer.BosId);
        Assert.True(tokenizer.AddBosByDefault);
        Assert.Equal([1, 80, 147, 201, 282, 57], tokenizer.Encode("Once upon a time"));
        Assert.Equal([80, 147, 201, 282, 57], tokenizer.Encode("Once upon a time", addBos: false));
        foreach (var line in SampleLines().Where(l => !l.Contains('“') && !l.Contains('”')))
        {
            Assert.Equal(line, tokenizer.Decode(tokenizer.Encode(line)));
        }
        // This vocabulary declares byte_fallback but holds no <0xNN> pieces, so (as in Hugging Face) characters
        // outside it become <unk>, which decoding hides like every special token.
        int[] quoted = tokenizer.Encode("“Wow”", addBos: false);
        Assert.Equal(2, quoted.Count(id => id == 0));
        Assert.Equal("Wow", tokenizer.Decode(quoted));
    }
}
