using Cqil.Lab.Core.Model;
using Cqil.Lab.Tests.Fixtures;
using static TorchSharp.torch;

namespace Cqil.Lab.Tests.Model;

public sealed class LogitsForTests
{
    [Theory]
    [InlineData(0, 0)]
    [InlineData(3, 3)]
    [InlineData(11, 11)]
    [InlineData(12, 12)] // past the end: no logits at all
    [InlineData(40, 12)]
    public void Logits_from_a_position_are_the_tail_of_all_logits(int first, int expectedFirst)
    {
        using var model = RandomModel.Create(TestConfigs.GroupedQuery(maxPositions: 32), seed: 3, std: 0.3);
        long[] ids = Enumerable.Range(0, 24).Select(i => (long)(i * 5 % 97)).ToArray();
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var input = tensor(ids, [2, 12]);
        var all = model.Forward(input);
        var tail = model.Forward(input, logits: LogitsFor.From(first));

        Assert.Equal(expectedFirst, LogitsFor.From(first).FirstOf(12));
        if (expectedFirst == 12)
        {
            Assert.Equal(0, tail.numel());
            return;
        }
        Assert.Equal([2, 12 - expectedFirst, model.Config.VocabSize], tail.shape);
        double diff = (all.narrow(1, expectedFirst, 12 - expectedFirst) - tail).abs().max().item<float>();
        Assert.True(diff < 1e-5, $"max |diff| {diff}");
    }

    [Fact]
    public void The_named_selections_keep_their_meaning()
    {
        Assert.Equal(0, LogitsFor.AllPositions.FirstOf(7));
        Assert.Equal(0, default(LogitsFor).FirstOf(7));
        Assert.Equal(6, LogitsFor.LastPosition.FirstOf(7));
        Assert.Equal(7, LogitsFor.None.FirstOf(7));
        Assert.Throws<ArgumentOutOfRangeException>(() => LogitsFor.From(-1));
    }
}
