using Cqil.Lab.Core.Model;
using Cqil.Lab.Tests.Fixtures;
using static TorchSharp.torch;

namespace Cqil.Lab.Tests.Model;

// Serial: the kernel is a process-wide setting, so no other test may run while it is switched.
[Collection(SerialCollection.Name)]
public sealed class PrefillAttentionTests
{
    private static LlamaConfig Config => TestConfigs.GroupedQuery(maxPositions: 64);

    [Fact]
    public void Fused_and_block_attention_give_the_same_logits_causal_padded_and_after_a_cache()
    {
        using var model = RandomModel.Create(Config, seed: 6, std: 0.3);
        var blocks = Run(model, PrefillAttention.Blocks);
        var fused = Run(model, PrefillAttention.Fused);
        Assert.Equal(blocks.Length, fused.Length);
        for (int i = 0; i < blocks.Length; i++)
        {
            double d = blocks[i].Zip(fused[i], (x, y) => Math.Abs(x - y)).Max();
            Assert.True(d < 1e-4, $"case {i}: max |Δ| {d}");
            Assert.True(blocks[i].Max() - blocks[i].Min() > 0.1, $"case {i}: flat logits would prove nothing");
        }
        Assert.Equal(PrefillAttention.Fused, LayerMath.PrefillKernel);
    }

    // Logits of three passes: a causal prefill, a left-padded batch, and a chunk after a cached prefix.
    private static float[][] Run(LlamaModel model, PrefillAttention kernel)
    {
        var before = LayerMath.PrefillKernel;
        LayerMath.PrefillKernel = kernel;
        try
        {
            using var noGrad = no_grad();
            using var scope = NewDisposeScope();
            long[] ids = Enumerable.Range(0, 20).Select(i => (long)(i * 13 % 101)).ToArray();
            var causal = model.Forward(tensor(ids, [1, 20]));
            var padded = model.Forward(tensor(ids.Concat(ids).ToArray(), [2, 20]), null,
                tensor(Enumerable.Range(0, 40).Select(i => i >= 20 || i >= 5).ToArray(), [2, 20]));
            using var cache = model.NewCache(1, 32);
            model.Forward(tensor(ids[..12], [1, 12]), cache);
            var chunk = model.Forward(tensor(ids[12..], [1, 8]), cache);
            return [.. new[] { causal, padded, chunk }.Select(t => t.contiguous().data<float>().ToArray())];
        }
        finally
        {
            LayerMath.PrefillKernel = before;
        }
    }
}
