using Cqil.Lab.Core.Demo;
using Cqil.Lab.Core.Tokenization;
using Cqil.Lab.Tests.Fixtures;

namespace Cqil.Lab.Tests.Demo;

public sealed class ScratchIds
{
    [Fact]
    public void Ids()
    {
        if (Environment.GetEnvironmentVariable("EXP") is null)
        {
            return;
        }
        using var folder = new TempDirectory();
        DemoTokenizerFiles.Write(folder.Path, 1);
        var tokenizer = TokenizerLoader.Load(folder.Path);
        string text = "Tom is in the park.\nQuestion: Where is Tom?\nAnswer: park";
        var ids = tokenizer.Encode(text, addBos: false);
        File.WriteAllText(Environment.GetEnvironmentVariable("EXP")!, string.Join(" ", ids.Select(i => $"{i}:{tokenizer.Inner.Decode([i])}")) + $"\nvocab {tokenizer.VocabSize}\n");
    }
}
