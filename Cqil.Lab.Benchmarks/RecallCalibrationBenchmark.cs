using System.Diagnostics;
using System.Globalization;
using Cqil.Lab.Core.Demo;
using Cqil.Lab.Core.Runtime;
using static TorchSharp.torch;

namespace Cqil.Lab.Benchmarks;

/// <summary>
/// How long the demo trainer takes to learn the bare mechanism the demo tasks need: associative recall. Each
/// row is N distinct keys, each followed by its value, then queries (a key, then its value as the target).
/// Answering needs binding a value to the key before it (an induction-style two-layer circuit), which forms
/// abruptly after a plateau; this prints held-out answer accuracy (argmax over the vocabulary) as training
/// goes and the first step at ≥ 90%, for the demo's model and optimizer. Options: --pairs, --queries,
/// --batch, --steps, --lr, --layers, --hidden, --heads, --qk-init-scale (multiplies the initial query/key
/// weights), --seed, --threads.
/// </summary>
public static class RecallCalibrationBenchmark
{
    private const int FirstKey = 3, Keys = 32, FirstValue = FirstKey + Keys, Values = 32, Vocab = 128;

    public static int Run(BenchmarkArgs args)
    {
        int pairs = args.Int("pairs", 4), queries = args.Int("queries", 4), seed = args.Int("seed", 1);
        int batch = args.Quick ? 8 : args.Int("batch", 64), steps = args.Quick ? 100 : args.Int("steps", 4000);
        int report = Math.Max(1, args.Int("report-every", args.Quick ? 50 : 250));
        int threads = args.Int("threads", Environment.ProcessorCount);
        double rate = args.Double("lr", 1e-3), qkScale = args.Double("qk-init-scale", 1);
        var spec = new DemoModelSpec { Layers = args.Int("layers", 2), Hidden = args.Int("hidden", 64), Heads = args.Int("heads", 4), Intermediate = 3 * args.Int("hidden", 64) };
        if (pairs is < 1 or > Keys || queries < 1)
        {
            Console.Error.WriteLine($"--pairs must be 1–{Keys} and --queries at least 1");
            return 2;
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Associative recall: {pairs} pairs, {queries} queries per row, batch {batch}, {steps} steps, AdamW lr {rate:G3} (warm-up 100, cosine), {spec.Layers} layers h{spec.Hidden} {spec.Heads} heads, q/k init ×{qkScale}, seed {seed}, {threads} threads"));

        using var worker = new DeviceWorker(CPU, threads, "bench");
        return worker.Run(() =>
        {
            var trainable = TrainableLlama.Create(spec.Config(Vocab), seed, "recall", qkScale);
            using var model = trainable.Model;
            // The demo recipe's optimizer and schedule (warm-up, cosine to a tenth), at this run's peak rate.
            var settings = new DemoTrainingSettings { PeakLearningRate = rate, Steps = steps };
            using var optimizer = DemoTrainer.CreateOptimizer(trainable, settings);
            var schedule = new LearningRateSchedule(rate, settings.WarmupSteps, steps, settings.FinalLearningRateFraction);
            var parameters = trainable.All.ToArray();
            var random = new Random(seed);
            var heldOut = Batch(new Random(1_000_003), 256, pairs, queries);
            int? learned = null;
            var clock = Stopwatch.StartNew();
            Console.WriteLine("| step | train loss | held-out answer accuracy | seconds |");
            Console.WriteLine("|---|---|---|---|");
            using var grad = enable_grad();
            for (int step = 0; step < steps; step++)
            {
                var (loss, _) = DemoTrainer.Step(model, optimizer, parameters, Batch(random, batch, pairs, queries), schedule.At(step), settings.GradientClip);
                if ((step + 1) % report == 0 || step + 1 == steps)
                {
                    double accuracy = Accuracy(model, heldOut);
                    learned ??= accuracy >= 0.9 ? step + 1 : null;
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {step + 1} | {loss:F3} | {accuracy:P1} | {clock.Elapsed.TotalSeconds:F0} |"));
                }
            }
            Console.WriteLine(learned is int s ? $"recall learned (≥ 90% held-out) by step {s}" : $"recall not learned in {steps} steps (chance ≈ {1.0 / pairs:P0} among the row's values)");
            return 0;
        });
    }

    // Answers (values after a query key) weigh 1 in the loss; the keys and values of the prefix, which are random, 0.
    private static TrainingBatch Batch(Random random, int rows, int pairs, int queries)
    {
        int width = 2 * (pairs + queries) - 1;
        var inputs = new long[rows * width];
        var targets = new long[rows * width];
        var weights = new float[rows * width];
        var row = new long[width + 1];
        var answer = new bool[width + 1];
        for (int b = 0; b < rows; b++)
        {
            var keys = Enumerable.Range(FirstKey, Keys).OrderBy(_ => random.Next()).Take(pairs).ToArray();
            var values = keys.Select(_ => (long)random.Next(FirstValue, FirstValue + Values)).ToArray();
            int n = 0;
            for (int i = 0; i < pairs; i++)
            {
                (row[n], answer[n++]) = (keys[i], false);
                (row[n], answer[n++]) = (values[i], false);
            }
            for (int q = 0; q < queries; q++)
            {
                int i = random.Next(pairs);
                (row[n], answer[n++]) = (keys[i], false);
                (row[n], answer[n++]) = (values[i], true);
            }
            for (int t = 0; t < width; t++)
            {
                inputs[b * width + t] = row[t];
                targets[b * width + t] = row[t + 1];
                weights[b * width + t] = answer[t + 1] ? 1 : 0;
            }
        }
        return new TrainingBatch(inputs, targets, weights, rows, width, rows * width);
    }

    private static double Accuracy(Core.Model.LlamaModel model, TrainingBatch batch)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var (inputs, targets, weights) = batch.ToTensors(CPU);
        var answers = weights.eq(Core.Model.Scalars.One);
        var right = model.Forward(inputs).argmax(-1).eq(targets).logical_and(answers);
        return right.sum().item<long>() / (double)answers.sum().item<long>();
    }
}
