using System.Diagnostics;
using Cqil.Lab.Core.Generation;
using Cqil.Lab.Core.Model;
using Cqil.Lab.Tests.Fixtures;
using Xunit.Abstractions;

namespace Cqil.Lab.Tests.Generation;

[Collection(SerialCollection.Name)]
public sealed class GenerationMemoryTests(ITestOutputHelper log)
{
    [Fact]
    public void Resident_memory_stays_flat_over_200_generate_calls()
    {
        var config = new LlamaConfig
        {
            VocabSize = 512, HiddenSize = 256, IntermediateSize = 688, NumLayers = 4, NumHeads = 8, NumKvHeads = 4, HeadDim = 32, MaxPositions = 128,
        };
        using var model = RandomModel.Create(config, seed: 4);
        var tokenizer = TestTokenizers.Placeholder();
        var options = new GenerationOptions { MaxNewTokens = 24, StopAtEos = false };
        int[] prompt = Enumerable.Range(1, 40).ToArray();

        long Rss()
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            using var p = Process.GetCurrentProcess();
            p.Refresh();
            return p.WorkingSet64;
        }

        for (int i = 0; i < 20; i++)
        {
            TextGenerator.Generate(model, tokenizer, prompt, options);
        }
        long baseline = Rss();
        long peak = baseline;
        for (int i = 0; i < 200; i++)
        {
            TextGenerator.Generate(model, tokenizer, prompt, options);
            if (i % 20 == 19)
            {
                peak = Math.Max(peak, Rss());
            }
        }
        long end = Rss();
        log.WriteLine($"RSS after warm-up {baseline / 1e6:F1} MB, highest {peak / 1e6:F1} MB, end {end / 1e6:F1} MB");
        Assert.True(peak <= baseline * 1.10, $"RSS grew from {baseline / 1e6:F1} MB to {peak / 1e6:F1} MB over 200 calls");
    }
}
