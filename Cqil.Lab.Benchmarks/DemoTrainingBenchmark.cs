using System.Diagnostics;
using Cqil.Lab.Core.Demo;
using Cqil.Lab.Core.Runtime;
using Cqil.Lab.Core.Tokenization;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Cqil.Lab.Benchmarks;

/// <summary>
/// Where a demo training step's time goes: making the batch (stories, tokenization), forward and loss,
/// backward, and gradient clipping plus the AdamW update, with the tokens/s they add up to.
/// </summary>
public static class DemoTrainingBenchmark
{
    public static int Run(BenchmarkArgs args)
    {
        int layers = args.Int("layers", 12);
        int hidden = args.Int("hidden", 128);
        int batch = args.Quick ? 4 : args.Int("batch", 32);
        int steps = args.Quick ? 2 : args.Int("steps", 10);
        int threads = args.Int("threads", Environment.ProcessorCount);
        int trimEvery = args.Int("trim-every", 0);
        var spec = new DemoModelSpec { Layers = layers, Hidden = hidden, Intermediate = 3 * hidden };
        using var folder = new TemporaryFolder();
        DemoTokenizerFiles.Write(folder.Path, 1);
        var tokenizer = TokenizerLoader.Load(folder.Path);
        var heldOut = new HeldOutStories(1, 0, 0);
        Console.WriteLine($"Demo training step: {layers} layers, hidden {hidden}, batch {batch} stories, {steps} timed steps after 2, {threads} threads, f32, native heap trimmed every {trimEvery} steps (0 = never)");

        using var worker = new DeviceWorker(CPU, threads, "bench");
        var phases = worker.Run(() =>
        {
            var trainable = TrainableLlama.Create(spec.Config(tokenizer.VocabSize), 1);
            using var model = trainable.Model;
            var stories = new TrainingStories(1, tokenizer, heldOut);
            var parameters = trainable.All.ToArray();
            using var optimizer = DemoTrainer.CreateOptimizer(trainable, new DemoTrainingSettings());
            using var grad = enable_grad();
            var sums = new double[4];
            long tokens = 0;
            for (int step = 0; step < steps + 2; step++)
            {
                var clock = Stopwatch.StartNew();
                var data = stories.NextBatch(batch);
                double make = clock.Elapsed.TotalMilliseconds;
                using var scope = NewDisposeScope();
                optimizer.ZeroGrad();
                var (inputs, targets, weights) = data.ToTensors(CPU);
                var loss = TrainingBatch.Loss(model.Forward(inputs), targets, weights);
                loss.item<float>();
                double forward = clock.Elapsed.TotalMilliseconds;
                loss.backward();
                double backward = clock.Elapsed.TotalMilliseconds;
                nn.utils.clip_grad_norm_(parameters, 1.0);
                optimizer.Step();
                double update = clock.Elapsed.TotalMilliseconds;
                if (step >= 2)
                {
                    sums[0] += make;
                    sums[1] += forward - make;
                    sums[2] += backward - forward;
                    sums[3] += update - backward;
                    tokens += data.RealTokens;
                }
                if (trimEvery > 0 && (step + 1) % trimEvery == 0)
                {
                    NativeEnvironment.TrimNativeHeap();
                }
            }
            return (Ms: sums.Select(s => s / steps).ToArray(), TokensPerStep: (double)tokens / steps);
        });
        double total = phases.Ms.Sum();
        Console.WriteLine();
        Console.WriteLine("| phase | ms per step |");
        Console.WriteLine("|---|---|");
        string[] names = ["batch (stories, tokenizer)", "forward + loss", "backward", "clip + AdamW"];
        for (int i = 0; i < names.Length; i++)
        {
            Console.WriteLine($"| {names[i]} | {phases.Ms[i]:F0} |");
        }
        Console.WriteLine($"| total | {total:F0} ({phases.TokensPerStep:F0} tokens per step, {phases.TokensPerStep / total * 1000:F0} tokens/s) |");
        return 0;
    }

    private sealed class TemporaryFolder : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("cqil-bench-").FullName;

        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}
