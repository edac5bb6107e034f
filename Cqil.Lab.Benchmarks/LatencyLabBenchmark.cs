using System.Text.Json;
using Cqil.Lab.Core.Cqil;
using Cqil.Lab.Core.Latency;
using Cqil.Lab.Core.Model;
using Cqil.Lab.Core.Runtime;
using static TorchSharp.torch;

namespace Cqil.Lab.Benchmarks;

/// <summary>
/// The latency lab's acceptance on this machine, in one run: a random 12-layer model with a P=2 plan over its
/// middle layers (S3-E9-P2, ideal 25% fewer layer steps), measured against its fairest baseline in the fused
/// and concurrent modes — (A) batch-1 decode at hidden 512, (B) 1×256 prefill at hidden 256 — with the
/// projection calibrated here. Targets: realized/ideal ≥ 0.5 (A) and ≥ 0.8 (B) for the better mode, and the
/// projection within 15% of what was measured.
/// </summary>
public static class LatencyLabBenchmark
{
    public static int Run(BenchmarkArgs args)
    {
        int reps = args.Quick ? 3 : args.Int("reps", 12);
        // f32 by default (as every run in the README); --dtype bf16 measures the same scenarios in bfloat16. --only A|B runs one.
        var dtype = ModelDtype.Parse(args.Extra.GetValueOrDefault("dtype") ?? "f32");
        string? only = args.Extra.GetValueOrDefault("only");
        var scenarios = new[]
        {
            (Name: "A: batch-1 decode, hidden 512", Hidden: 512, Settings: new LatencySettings { PromptLength = 32, DecodeTokens = args.Quick ? 4 : 48, Warmup = 2, Repetitions = reps }, Decode: true),
            (Name: "B: 1x256 prefill, hidden 256", Hidden: 256, Settings: new LatencySettings { PromptLength = 256, DecodeTokens = 0, Warmup = 2, Repetitions = reps }, Decode: false),
        };
        using var worker = new DeviceWorker(CPU, Environment.ProcessorCount, "bench");
        var verdicts = new List<string>();
        var reports = new List<LatencyReport>();
        bool ok = true;
        foreach (var scenario in scenarios.Where(s => only is null || s.Name.StartsWith(only + ":", StringComparison.OrdinalIgnoreCase)))
        {
            var config = BenchmarkModels.Config(scenario.Hidden, layers: 12);
            var plan = GroupPlan.FromSep(12, 3, 9, 2);
            var report = worker.Run(() =>
            {
                using var model = RandomModel.Create(config, seed: 7, dtype, name: $"random-12L-h{scenario.Hidden}");
                return LatencyLab.Run(model, plan, [ExecutionMode.Fused, ExecutionMode.Concurrent], scenario.Settings);
            });
            reports.Add(report);
            Console.WriteLine($"## {scenario.Name}, plan {plan.Describe()}, {ModelDtype.Name(dtype)}");
            LatencyReportPrinter.Print(report, Console.Out);
            Console.WriteLine();

            double target = scenario.Decode ? 0.5 : 0.8;
            var best = report.Runs.MaxBy(r => (scenario.Decode ? r.DecodeRealized : r.PrefillRealized) ?? double.MinValue)!;
            double realized = (scenario.Decode ? best.DecodeRealized : best.PrefillRealized) ?? double.NaN;
            var row = report.Projection!.Rows.First(r => r.Setting.StartsWith(best.Mode + ",", StringComparison.Ordinal) && r.Phase == (scenario.Decode ? "decode/token" : "prefill"));
            double error = row.Error ?? double.NaN;
            bool pass = realized >= target && error <= 0.15;
            ok &= pass;
            // Where the machine's own thread scaling puts the target out of concurrent reach, say so beside the verdict.
            string reach = ConcurrencyCeiling.Of(report, scenario.Decode) is { } ceiling && ceiling.Fraction < target
                ? $"; out of reach for one core per layer here (ceiling {ceiling.Fraction:F2}: one thread takes {ceiling.OneThreadOverBest:F2}x the baseline's best), only a fused pass more efficient per core than a lone layer could meet it"
                : "";
            verdicts.Add($"{scenario.Name}: better mode {best.Mode} realizes {realized:F2} of the ideal reduction (target >= {target}); projection error {error:P1} (target <= 15%) -> {(pass ? "PASS" : "FAIL")}{reach}");
        }
        foreach (var v in verdicts)
        {
            Console.WriteLine(v);
        }
        if (args.OutPath is not null)
        {
            File.WriteAllText(args.OutPath, "[" + string.Join(",", reports.Select(r => r.ToJson())) + "]");
        }
        return ok ? 0 : 1;
    }
}
