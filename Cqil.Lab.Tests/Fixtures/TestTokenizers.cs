using Cqil.Lab.Core.Tokenization;
using Microsoft.ML.Tokenizers;

namespace Cqil.Lab.Tests.Fixtures;

public static class TestTokenizers
{
    /// <summary>A tokenizer for tests that feed ids directly: no BOS, no EOS, decodes to nothing useful.</summary>
    public static TextTokenizer Placeholder() =>
        new(BpeTokenizer.Create(new BpeOptions([new KeyValuePair<string, int>("a", 0)])), "(test)", "test", 1, bosId: null, eosIds: [], addBosByDefault: false);
}
