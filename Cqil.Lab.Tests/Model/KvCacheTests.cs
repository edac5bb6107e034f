using Cqil.Lab.Core.Generation;
using Cqil.Lab.Core.Model;
using Cqil.Lab.Tests.Fixtures;
using static TorchSharp.torch;

namespace Cqil.Lab.Tests.Model;

public sealed class KvCacheTests
{
    private static LlamaConfig Config => TestConfigs.GroupedQuery(maxPositions: 32);

    [Fact]
    public void Cached_decoding_gives_the_same_tokens_as_full_recomputation_over_64_steps()
    {
        // std 0.3 makes the random model's logits decisive enough that greedy choices are not near-ties.
        using var model = RandomModel.Create(Config, seed: 1, std: 0.3);
        long[] prompt = [1, 7, 19, 3, 44];
        var tokenizer = TestTokenizers.Placeholder();

        var cached = TextGenerator.Generate(model, tokenizer, prompt.Select(i => (int)i).ToArray(), new GenerationOptions { MaxNewTokens = 64, StopAtEos = false });

        var sequence = prompt.ToList();
        double worst = 0;
        for (int step = 0; step < 64; step++)
        {
            var logits = ModelRun.Logits(model, sequence.ToArray());
            int last = logits.GetLength(0) - 1;
            int best = Enumerable.Range(0, logits.GetLength(1)).MaxBy(i => logits[last, i]);
            Assert.Equal(cached.NewIds[step], best);
            sequence.Add(best);
            worst = Math.Max(worst, LastRowGap(logits, last));
        }
        Assert.Equal(64, cached.NewIds.Length);
        Assert.True(worst > 0, "the model produced constant logits; the test would prove nothing");
    }

    [Fact]
    public void Cached_logits_equal_uncached_logits_at_every_step()
    {
        using var model = RandomModel.Create(Config, seed: 2, std: 0.3);
        long[] sequence = Enumerable.Range(0, 40).Select(i => (long)(i * 7 % 101)).ToArray();
        var full = ModelRun.Logits(model, sequence);

        using var noGrad = no_grad();
        using var cache = model.NewCache(1, 8); // deliberately small: the cache must grow
        using (var scope = NewDisposeScope())
        {
            var prefill = model.Forward(tensor(sequence[..10], [1, 10]), cache);
            double d = ModelRun.MaxAbsDiff(ModelRun.ToMatrix(prefill[0]), Slice(full, 0, 10));
            Assert.True(d < 1e-4, $"prefill diff {d}");
        }
        for (int t = 10; t < sequence.Length; t++)
        {
            using var scope = NewDisposeScope();
            var step = model.Forward(tensor(new[] { sequence[t] }, [1, 1]), cache);
            Assert.True(ModelRun.MaxAbsDiff(ModelRun.ToMatrix(step[0]), Slice(full, t, 1)) < 1e-4, $"position {t}");
        }
        Assert.Equal(sequence.Length, cache.Length);
    }

    [Fact]
    public void Left_padded_batch_matches_each_sequence_run_alone_in_prefill_and_decode()
    {
        using var model = RandomModel.Create(Config, seed: 3, std: 0.3);
        var (a, b, padded, mask) = LeftPaddedPair();
        int width = b.Length;
        var expectedA = ModelRun.Logits(model, a);
        var expectedB = ModelRun.Logits(model, b);

        using var noGrad = no_grad();
        using var cache = model.NewCache(2, 32);
        using (var scope = NewDisposeScope())
        {
            var logits = model.Forward(tensor(padded, [2, width]), cache, tensor(mask, [2, width]));
            Assert.True(ModelRun.MaxAbsDiff(ModelRun.ToMatrix(logits[0].narrow(0, width - a.Length, a.Length)), expectedA) < 1e-4);
            Assert.True(ModelRun.MaxAbsDiff(ModelRun.ToMatrix(logits[1]), expectedB) < 1e-4);
        }

        // Decode a few tokens for both in one batch and compare with each sequence extended alone.
        var seqA = a.ToList();
        var seqB = b.ToList();
        for (int step = 0; step < 6; step++)
        {
            long nextA = 10 + step, nextB = 20 + step;
            seqA.Add(nextA);
            seqB.Add(nextB);
            using var scope = NewDisposeScope();
            var logits = model.Forward(tensor(new[] { nextA, nextB }, [2, 1]), cache, tensor(new[] { true, true }, [2, 1]));
            var aloneA = ModelRun.Logits(model, seqA.ToArray());
            var aloneB = ModelRun.Logits(model, seqB.ToArray());
            Assert.True(ModelRun.MaxAbsDiff(ModelRun.ToMatrix(logits[0]), Slice(aloneA, seqA.Count - 1, 1)) < 1e-4, $"A step {step}");
            Assert.True(ModelRun.MaxAbsDiff(ModelRun.ToMatrix(logits[1]), Slice(aloneB, seqB.Count - 1, 1)) < 1e-4, $"B step {step}");
        }
    }

    [Fact]
    public void Selected_samples_continue_like_each_sequence_run_alone()
    {
        using var model = RandomModel.Create(Config, seed: 4, std: 0.3);
        var (a, b, padded, mask) = LeftPaddedPair();
        int width = b.Length;
        // Three continuations (right-padded to 3 tokens): two after b, one after a.
        long[][] continuations = [[40, 41, 42], [43, 44], [45, 46, 47]];
        int[] samples = [1, 1, 0];

        using var noGrad = no_grad();
        using var prefixes = model.NewCache(2, width);
        using (var scope = NewDisposeScope())
        {
            model.Forward(tensor(padded, [2, width]), prefixes, tensor(mask, [2, width]), LogitsFor.None);
        }
        foreach (int kept in new[] { width, a.Length })
        {
            // Keeping only a's length drops the padding in front of a: select a alone then.
            int[] chosen = kept == width ? samples : [0];
            long[][] rows = kept == width ? continuations : [continuations[2]];
            using var cache = prefixes.SelectSamples(chosen, kept, kept + 3);
            Assert.Equal(chosen.Length, cache.Batch);
            Assert.Equal(kept, cache.Length);
            using var scope = NewDisposeScope();
            var ids = rows.SelectMany(c => c.Concat(Enumerable.Repeat(0L, 3 - c.Length))).ToArray();
            var real = rows.SelectMany(c => Enumerable.Range(0, 3).Select(i => i < c.Length)).ToArray();
            var logits = model.Forward(tensor(ids, [rows.Length, 3]), cache, tensor(real, [rows.Length, 3]));
            for (int r = 0; r < rows.Length; r++)
            {
                long[] alone = [.. chosen[r] == 0 ? a : b, .. rows[r]];
                var expected = ModelRun.Logits(model, alone);
                double d = ModelRun.MaxAbsDiff(ModelRun.ToMatrix(logits[r].narrow(0, 0, rows[r].Length)), Slice(expected, alone.Length - rows[r].Length, rows[r].Length));
                Assert.True(d < 1e-4, $"kept {kept}, row {r}: {d}");
            }
        }
        // An unpadded cache has no padding in front to drop.
        using var plain = model.NewCache(1, a.Length);
        using (var scope = NewDisposeScope())
        {
            model.Forward(tensor(a, [1, a.Length]), plain, null, LogitsFor.None);
        }
        Assert.Throws<ArgumentException>(() => plain.SelectSamples([0], 3, 6));
    }

    [Fact]
    public void Stacked_caches_of_separate_passes_continue_like_each_sequence_run_alone()
    {
        using var model = RandomModel.Create(Config, seed: 5, std: 0.3);
        var (a, b, padded, mask) = LeftPaddedPair();
        long[] c = [1, 3, 77];
        int width = b.Length;

        using var noGrad = no_grad();
        // Pass 1: a and b left-padded together; pass 2: c alone, shorter and unpadded.
        using var first = model.NewCache(2, width);
        using var second = model.NewCache(1, c.Length);
        using (var scope = NewDisposeScope())
        {
            model.Forward(tensor(padded, [2, width]), first, tensor(mask, [2, width]), LogitsFor.None);
            model.Forward(tensor(c, [1, c.Length]), second, null, LogitsFor.None);
        }
        using var stacked = KvCache.Stack([first, second]);
        Assert.Equal(3, stacked.Batch);
        Assert.Equal(width, stacked.Length);

        // Continue c twice and b once from the stacked cache, keeping only the positions c needs at most.
        int[] samples = [2, 1, 2];
        long[][] rows = [[40, 41], [42, 43], [44, 45]];
        using var cache = stacked.SelectSamples(samples, width, width + 2);
        using (var scope = NewDisposeScope())
        {
            var logits = model.Forward(tensor(rows.SelectMany(r => r).ToArray(), [3, 2]), cache);
            for (int r = 0; r < rows.Length; r++)
            {
                long[] alone = [.. samples[r] == 2 ? c : b, .. rows[r]];
                var expected = ModelRun.Logits(model, alone);
                double d = ModelRun.MaxAbsDiff(ModelRun.ToMatrix(logits[r]), Slice(expected, alone.Length - 2, 2));
                Assert.True(d < 1e-4, $"row {r}: {d}");
            }
        }
        using var other = new KvCache(1, 4, model.Device);
        Assert.Throws<ArgumentException>(() => KvCache.Stack([first, other]));
    }

    private static float[,] Slice(float[,] m, int start, int count)
    {
        var s = new float[count, m.GetLength(1)];
        for (int i = 0; i < count; i++)
        {
            for (int j = 0; j < m.GetLength(1); j++)
            {
                s[i, j] = m[start + i, j];
            }
        }
        return s;
    }

    private static double LastRowGap(float[,] logits, int row)
    {
        var values = Enumerable.Range(0, logits.GetLength(1)).Select(i => logits[row, i]).OrderDescending().Take(2).ToArray();
        return values[0] - values[1];
    }

    // Two sequences of different lengths as one left-padded batch [2, len(b)] with its mask of real tokens.
    private static (long[] A, long[] B, long[] Padded, bool[] Mask) LeftPaddedPair()
    {
        long[] a = [1, 9, 33, 4, 71];
        long[] b = [1, 12, 5, 88, 2, 64, 30, 17, 50];
        int width = b.Length;
        var padded = new long[2 * width];
        var mask = new bool[2 * width];
        for (int i = 0; i < width; i++)
        {
            int ai = i - (width - a.Length);
            padded[i] = ai >= 0 ? a[ai] : 0;
            mask[i] = ai >= 0;
            padded[width + i] = b[i];
            mask[width + i] = true;
        }
        return (a, b, padded, mask);
    }
}
