using System.Text.Json;
using Cqil.Lab.Core.Model;
using Cqil.Lab.Core.Runtime;
using static TorchSharp.torch;

namespace Cqil.Lab.Benchmarks;

/// <summary>
/// Engine throughput on this machine, measured in one run: prefill of a random 16-layer, hidden-1024 LLaMA
/// at 1×512 tokens in bf16 as GFLOP/s next to the machine's bf16 matmul peak (mm of 2048×2048), and
/// batch-1 KV-cached decode tokens/s (bf16 and f32, at 1 thread and at all cores).
/// </summary>
public static class EngineBenchmark
{
    public static int Run(BenchmarkArgs args)
    {
        int cores = Environment.ProcessorCount;
        int layers = args.Quick ? 2 : args.Int("layers", 16);
        int hidden = args.Quick ? 256 : args.Int("hidden", 1024);
        int prompt = args.Quick ? 64 : args.Int("prompt", 512);
        int reps = args.Quick ? 2 : 5;
        var config = new LlamaConfig
        {
            VocabSize = 32000, HiddenSize = hidden, IntermediateSize = hidden * 11 / 4 / 256 * 256, NumLayers = layers,
            NumHeads = hidden / 64, NumKvHeads = hidden / 64, HeadDim = 64, MaxPositions = 4096,
        };
        Console.WriteLine($"Engine benchmark: {layers} layers, hidden {hidden}, ffn {config.IntermediateSize}, heads {config.NumHeads}, vocab {config.VocabSize}; {cores} cores; libtorch {TorchRuntime.EnsureInitialized()}");

        int rounds = args.Quick ? 1 : args.Int("rounds", 7);
        using var worker = new DeviceWorker(CPU, cores, "bench");
        var report = worker.Run(() =>
        {
            using var noGrad = no_grad();
            using var bf16 = RandomModel.Create(config, seed: 1, ScalarType.BFloat16);
            double flops = PrefillFlops(config, prompt);
            Prefill(bf16, prompt); // warm-up
            // Peak and prefill alternate round by round, so a noisy spell on this shared machine hits both sides
            // of a ratio; the median round is reported with the spread.
            var roundResults = new List<(double PeakGflops, double PrefillMs, double PrefillGflops, double Fraction)>();
            for (int r = 0; r < rounds; r++)
            {
                double peak = MatmulPeakGflops(2048, reps);
                double ms = Timing.Median(Timing.Measure(CPU, 0, 2, () => Prefill(bf16, prompt)));
                double gflops = flops / (ms / 1000) / 1e9;
                roundResults.Add((peak, ms, gflops, gflops / peak));
            }
            var median = roundResults.OrderBy(x => x.Fraction).ElementAt(roundResults.Count / 2);

            var decode = new List<(string Dtype, int Threads, double TokensPerSecond)>();
            using var f32 = RandomModel.Create(config, seed: 1, ScalarType.Float32);
            foreach (var (name, model) in new[] { ("bf16", bf16), ("f32", f32) })
            {
                foreach (int threads in new[] { 1, cores }.Distinct())
                {
                    set_num_threads(threads);
                    decode.Add((name, threads, DecodeTokensPerSecond(model, prompt: 128, tokens: args.Quick ? 8 : 64, reps: Math.Max(2, reps / 2))));
                }
            }
            set_num_threads(cores);
            return new
            {
                peakGflops = median.PeakGflops, prefillMs = median.PrefillMs, prefillGflops = median.PrefillGflops, fractionOfPeak = median.Fraction,
                rounds = roundResults.Select(x => new { x.PeakGflops, x.PrefillMs, x.PrefillGflops, x.Fraction }).ToArray(),
                decode = decode.Select(d => new { d.Dtype, d.Threads, d.TokensPerSecond }).ToArray(),
            };
        });

        Console.WriteLine();
        Console.WriteLine("| measurement | value |");
        Console.WriteLine("|---|---|");
        Console.WriteLine($"| bf16 mm 2048x2048 peak ({cores} threads), median round | {report.peakGflops:F1} GFLOP/s |");
        Console.WriteLine($"| bf16 prefill 1x{prompt}, median round | {report.prefillMs:F1} ms = {report.prefillGflops:F1} GFLOP/s |");
        Console.WriteLine($"| prefill / peak, median of {rounds} rounds | {report.fractionOfPeak:P1} (target >= 60%; rounds: {string.Join(", ", report.rounds.Select(r => r.Fraction.ToString("P0")))}) |");
        foreach (var d in report.decode)
        {
            Console.WriteLine($"| decode batch 1, {d.Dtype}, {d.Threads} thread(s) | {d.TokensPerSecond:F1} tokens/s |");
        }
        if (args.OutPath is not null)
        {
            File.WriteAllText(args.OutPath, JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true }));
        }
        return 0;
    }

    private static double MatmulPeakGflops(int n, int reps)
    {
        using var scope = NewDisposeScope();
        var a = randn([n, n], ScalarType.BFloat16);
        var b = randn([n, n], ScalarType.BFloat16);
        double ms = Timing.Median(Timing.Measure(CPU, 2, reps * 2, () =>
        {
            using var s = NewDisposeScope();
            a.mm(b);
        }));
        return 2.0 * n * n * n / (ms / 1000) / 1e9;
    }

    private static void Prefill(LlamaModel model, int tokens)
    {
        using var scope = NewDisposeScope();
        var ids = randint(0, model.Config.VocabSize, [1, tokens], ScalarType.Int64);
        using var cache = model.NewCache(1, tokens + 1);
        model.Forward(ids, cache, null, LogitsFor.LastPosition);
    }

    /// <summary>Multiply-adds ×2 of the projections, causal attention (half the score matrix) and the last-position head.</summary>
    public static double PrefillFlops(LlamaConfig c, int t)
    {
        double h = c.HiddenSize;
        double projections = 2.0 * t * (h * (c.QueryDim + 2 * c.KvDim) + c.QueryDim * h + 3 * h * c.IntermediateSize);
        double attention = 2.0 * 2 * c.NumHeads * c.HeadDim * (t * (t + 1) / 2.0);
        return c.NumLayers * (projections + attention) + 2.0 * h * c.VocabSize;
    }

    /// <summary>Tokens/s of <paramref name="tokens"/> cached single-token steps after a <paramref name="prompt"/>-token prefill (not timed).</summary>
    private static double DecodeTokensPerSecond(LlamaModel model, int prompt, int tokens, int reps)
    {
        var samples = new List<double>();
        for (int r = 0; r <= reps; r++)
        {
            using var cache = model.NewCache(1, prompt + tokens);
            using (NewDisposeScope())
            {
                model.Forward(randint(0, model.Config.VocabSize, [1, prompt], ScalarType.Int64), cache, null, LogitsFor.LastPosition);
            }
            using var next = tensor(new long[] { 1 }, [1, 1]);
            double ms = Timing.Measure(CPU, 0, 1, () =>
            {
                for (int i = 0; i < tokens; i++)
                {
                    using var s = NewDisposeScope();
                    model.Forward(next, cache, null, LogitsFor.LastPosition).argmax(-1).item<long>();
                }
            })[0];
            if (r > 0)
            {
                samples.Add(ms); // the first round warms up
            }
        }
        return tokens / (Timing.Median(samples.ToArray()) / 1000);
    }
}
