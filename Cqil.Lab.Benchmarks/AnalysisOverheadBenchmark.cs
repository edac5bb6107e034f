using System.Text.Json;
using Cqil.Lab.Core.Analysis;
using Cqil.Lab.Core.Model;
using Cqil.Lab.Core.Runtime;
using static TorchSharp.torch;

namespace Cqil.Lab.Benchmarks;

/// <summary>
/// What similarity analysis costs on top of running the model: the same samples analysed (states captured,
/// all-pair cosines reduced) and merely forwarded (no logits, like the analysis), alternating in one run.
/// </summary>
public static class AnalysisOverheadBenchmark
{
    public static int Run(BenchmarkArgs args)
    {
        int layers = args.Quick ? 4 : args.Int("layers", 12);
        int hidden = args.Quick ? 128 : args.Int("hidden", 512);
        int samples = args.Quick ? 8 : args.Int("samples", 32);
        int seqLen = args.Quick ? 64 : args.Int("seq-len", 256);
        int rounds = args.Quick ? 1 : args.Int("rounds", 3);
        var config = BenchmarkModels.Config(hidden, layers, vocab: 8192, maxPositions: 4096);
        var settings = new AnalysisSettings { BatchSize = 8 };
        Console.WriteLine($"Analysis overhead: {layers} layers, hidden {hidden}, f32, {samples} samples × {seqLen} tokens, batch {settings.BatchSize}, {rounds} rounds");

        using var worker = new DeviceWorker(CPU, Environment.ProcessorCount, "bench");
        var (plainMs, analysisMs) = worker.Run(() =>
        {
            using var model = RandomModel.Create(config, seed: 2);
            var random = new Random(1);
            var data = CalibrationSet.FromIds(
                Enumerable.Range(0, samples).Select(_ => Enumerable.Range(0, seqLen).Select(_ => random.Next(config.VocabSize)).ToArray()).ToList(), "random", seqLen);
            void Plain()
            {
                using var noGrad = no_grad();
                foreach (var batch in data.Samples.Chunk(settings.BatchSize))
                {
                    using var scope = NewDisposeScope();
                    model.Forward(tensor(batch.SelectMany(s => s.Select(i => (long)i)).ToArray(), [batch.Length, seqLen]), null, null, LogitsFor.None);
                }
            }
            void Analyse() => SimilarityAnalyzer.Run(model, data, settings);
            Plain();
            Analyse();
            var plain = new List<double>();
            var analysis = new List<double>();
            for (int r = 0; r < rounds; r++)
            {
                plain.Add(Timing.Measure(CPU, 0, 1, Plain)[0]);
                analysis.Add(Timing.Measure(CPU, 0, 1, Analyse)[0]);
            }
            return (Timing.Median(plain.ToArray()), Timing.Median(analysis.ToArray()));
        });

        double ratio = analysisMs / plainMs;
        Console.WriteLine();
        Console.WriteLine("| run | time (median) | tokens/s |");
        Console.WriteLine("|---|---|---|");
        Console.WriteLine($"| plain forward, no logits | {plainMs / 1000:F2} s | {samples * seqLen / (plainMs / 1000):F0} |");
        Console.WriteLine($"| similarity analysis | {analysisMs / 1000:F2} s | {samples * seqLen / (analysisMs / 1000):F0} |");
        Console.WriteLine($"| analysis / plain | {ratio:F3} (target <= 1.25) | |");
        if (args.OutPath is not null)
        {
            File.WriteAllText(args.OutPath, JsonSerializer.Serialize(new { plainMs, analysisMs, ratio, layers, hidden, samples, seqLen }));
        }
        return 0;
    }
}
