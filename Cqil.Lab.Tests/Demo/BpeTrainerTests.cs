using Cqil.Lab.Core.Demo;

namespace Cqil.Lab.Tests.Demo;

public sealed class BpeTrainerTests
{
    [Fact]
    public void Merges_the_most_frequent_pair_first_until_every_word_is_one_symbol()
    {
        var result = BpeTrainer.Train(new Dictionary<string, int> { ["abab"] = 3, ["ab"] = 1, ["b"] = 5 });
        Assert.Equal(["a", "b"], result.Alphabet);
        Assert.Equal([("a", "b"), ("ab", "ab")], result.Merges);
    }

    [Fact]
    public void Ties_go_to_the_ordinally_smallest_pair()
    {
        var result = BpeTrainer.Train(new Dictionary<string, int> { ["xy"] = 1, ["ab"] = 1 });
        Assert.Equal([("a", "b"), ("x", "y")], result.Merges);
    }
}
