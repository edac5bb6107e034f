using Cqil.Lab.Core.Evaluation;
using Cqil.Lab.Core.Model;
using Cqil.Lab.Tests.Fixtures;

namespace Cqil.Lab.Tests.Evaluation;

public sealed class ScoringWorkTests
{
    [Fact]
    public void A_pass_counts_layer_products_attention_keys_and_head_rows()
    {
        // 2 layers, h 4, 2 query heads and 1 key/value head of 2, inner 6, vocab 10.
        var config = new LlamaConfig { VocabSize = 10, HiddenSize = 4, IntermediateSize = 6, NumLayers = 2, NumHeads = 2, NumKvHeads = 1, HeadDim = 2, MaxPositions = 32 };
        var work = ScoringWork.Pass(config, past: 3, tokens: 2, targets: 1);
        // Per position and layer: qkv 4·(4+2+2) + output 4·4 + gate/up 4·12 + down 6·4 = 32 + 16 + 48 + 24 = 120.
        Assert.Equal(2 * 2 * 120, work.LinearMacs);
        // Keys seen: 4 and 5 = 9; per key and layer 2·(query dim 4) = 8 (scores and weighted values).
        Assert.Equal(2 * 8 * 9, work.AttentionMacs);
        Assert.Equal(10 * 4, work.HeadMacs);
        Assert.Equal(2, work.Positions);
    }

    [Fact]
    public void Shared_scoring_counts_the_prefix_once_and_a_lone_request_costs_what_it_costs_alone()
    {
        var config = TestConfigs.GroupedQuery(maxPositions: 64);
        using var model = RandomModel.Create(config, seed: 5);
        var shared = new LoglikelihoodScorer(model, new ScoringOptions { Mode = ScoringMode.SharedPrefix });
        var independent = new LoglikelihoodScorer(model, new ScoringOptions { Mode = ScoringMode.Independent });
        int[] context = [5, 6, 7, 8, 9, 10, 11];
        IReadOnlyList<TokenRequest> item = [new TokenRequest(context, [20, 21, 22]), new TokenRequest(context, [30]), new TokenRequest(context, [40, 41])];

        // Without sharing: each request's input (context + continuation minus its last token) from scratch.
        var alone = item.Select(r => ScoringWork.Pass(config, 0, r.Context.Length + r.Continuation.Length - 1, r.Continuation.Length)).Aggregate((a, b) => a + b);
        Assert.Equal(alone, independent.Work([item]));
        // With sharing: the 7 context tokens once, then each remainder (continuation minus its last token) after them.
        var expected = ScoringWork.Pass(config, 0, 7, 0) + ScoringWork.Pass(config, 7, 2, 3) + ScoringWork.Pass(config, 7, 0, 1) + ScoringWork.Pass(config, 7, 1, 2);
        Assert.Equal(expected, shared.Work([item]));
        Assert.True(shared.Work([item]).TotalMacs < alone.TotalMacs);

        // One request alone: the same work either way, split at the prefix or not.
        IReadOnlyList<TokenRequest> single = [item[0]];
        Assert.Equal(independent.Work([single]).TotalMacs, shared.Work([single]).TotalMacs, 6);
    }
}
