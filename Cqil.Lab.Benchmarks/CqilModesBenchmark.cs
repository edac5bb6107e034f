using System.Text.Json;
using Cqil.Lab.Core.Cqil;
using Cqil.Lab.Core.Cqil.Execution;
using Cqil.Lab.Core.Model;
using Cqil.Lab.Core.Runtime;
using static TorchSharp.torch;

namespace Cqil.Lab.Benchmarks;

/// <summary>
/// First speed check of the execution modes: batch-1 cached decode of a random 12-layer model with a P=2
/// plan over its middle layers, the baseline (at 1 and all threads), reference, fused and concurrent measured
/// in interleaved rounds of the same run. Reports ms/token and the reduction against reference next to the
/// plan's ideal reduction of layer time.
/// </summary>
public static class CqilModesBenchmark
{
    public static int Run(BenchmarkArgs args)
    {
        int cores = Environment.ProcessorCount;
        int hidden = args.Int("hidden", 512);
        int layers = args.Int("layers", 12);
        int tokens = args.Quick ? 8 : args.Int("tokens", 32);
        int rounds = args.Quick ? 1 : args.Int("rounds", 5);
        var config = BenchmarkModels.Config(hidden, layers, maxPositions: 1024);
        var plan = GroupPlan.FromSep(layers, layers / 4, layers - layers / 4, 2);
        Console.WriteLine($"CQIL modes, batch-1 decode: {layers} layers, hidden {hidden}, f32, plan {plan.Describe()} (ideal layer-time reduction {plan.IdealReduction:P1}), {tokens} tokens after a 64-token prompt, {rounds} rounds, {cores} cores");

        using var worker = new DeviceWorker(CPU, cores, "bench");
        var rows = worker.Run(() =>
        {
            using var noGrad = no_grad();
            using var model = RandomModel.Create(config, seed: 3);
            using var reference = new ReferenceExecutor(model, plan);
            using var fused = new FusedExecutor(model, plan);
            using var concurrent = new ConcurrentExecutor(model, plan, new ConcurrentOptions { ThreadsPerWorker = 1 });
            var runners = new (string Name, ICausalLm Lm, int Threads)[]
            {
                ("baseline, 1 thread", model, 1),
                ($"baseline, {cores} threads", model, cores),
                ("reference (1 thread)", reference, 1),
                ("fused (1 thread)", fused, 1),
                ($"fused ({cores} threads)", fused, cores),
                ($"concurrent ({concurrent.Options.ThreadsPerWorker} thread/worker)", concurrent, 1),
            };
            var samples = runners.Select(_ => new List<double>()).ToArray();
            for (int r = 0; r <= rounds; r++)
            {
                for (int i = 0; i < runners.Length; i++)
                {
                    set_num_threads(runners[i].Threads);
                    double ms = DecodeMsPerToken(runners[i].Lm, tokens);
                    if (r > 0)
                    {
                        samples[i].Add(ms); // round 0 warms up
                    }
                }
            }
            set_num_threads(cores);
            double referenceMs = Timing.Median(samples[2].ToArray());
            return runners.Select((runner, i) =>
            {
                double ms = Timing.Median(samples[i].ToArray());
                return (runner.Name, Ms: ms, Reduction: 1 - ms / referenceMs);
            }).ToArray();
        });

        Console.WriteLine();
        Console.WriteLine("| runner | ms/token (median) | reduction vs reference | ideal (layer time) |");
        Console.WriteLine("|---|---|---|---|");
        foreach (var row in rows)
        {
            Console.WriteLine($"| {row.Name} | {row.Ms:F2} | {row.Reduction:P1} | {plan.IdealReduction:P1} |");
        }
        if (args.OutPath is not null)
        {
            File.WriteAllText(args.OutPath, JsonSerializer.Serialize(rows.Select(r => new { r.Name, r.Ms, r.Reduction, ideal = plan.IdealReduction })));
        }
        return 0;
    }

    private static double DecodeMsPerToken(ICausalLm lm, int tokens)
    {
        using var cache = lm.NewCache(1, 64 + tokens);
        using (NewDisposeScope())
        {
            lm.Forward(Scalars.Range(0, 64, ScalarType.Int64, CPU).view(1, 64), cache, null, LogitsFor.LastPosition);
        }
        using var next = tensor(new long[] { 7 }, [1, 1]);
        return Timing.Measure(CPU, 0, 1, () =>
        {
            for (int i = 0; i < tokens; i++)
            {
                using var scope = NewDisposeScope();
                lm.Forward(next, cache, null, LogitsFor.LastPosition).argmax(-1).item<long>();
            }
        })[0] / tokens;
    }
}
