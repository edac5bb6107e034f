using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Cqil.Lab.Core.Model;
using Cqil.Lab.Core.Runtime;
using static TorchSharp.torch;

namespace Cqil.Lab.Benchmarks;

/// <summary>
/// What MKL's vendor check costs on this machine: the same float32 workloads with MKL's own kernel choice and
/// with the Intel path (Core/Runtime/MklCodePath.cs). The choice is made once per process before libtorch
/// loads, so each side runs in child processes of this benchmark, alternating A, B, B, A… round by round so
/// drift hits both; the table compares medians over the rounds.
/// </summary>
public static class MklCodePathBenchmark
{
    private const string ResultPrefix = "RESULT ";

    public static int Run(BenchmarkArgs args)
    {
        if (args.Extra.ContainsKey("child"))
        {
            return Child(args.Quick);
        }
        int rounds = args.Quick ? 1 : args.Int("rounds", 4);
        var sides = new[] { (Name: "MKL's own choice", Disable: "0"), (Name: "Intel path", Disable: "1") };
        var results = sides.Select(_ => new List<Dictionary<string, double>>()).ToArray();
        var families = new string[sides.Length];
        for (int r = 0; r < rounds; r++)
        {
            for (int k = 0; k < sides.Length; k++)
            {
                int s = (k + r) % sides.Length;
                var (values, family) = RunChild(sides[s].Disable, args.Quick);
                results[s].Add(values);
                families[s] = family;
                Console.Error.WriteLine($"round {r + 1}/{rounds}, {sides[s].Name}: {string.Join(", ", values.Select(v => $"{v.Key} {v.Value:F2}"))}");
            }
        }
        Console.WriteLine($"MKL kernel choice on {Environment.ProcessorCount} cores, float32, {rounds} alternating rounds (median ms per round's median of 5 timed runs):");
        for (int s = 0; s < sides.Length; s++)
        {
            Console.WriteLine($"  {sides[s].Name}: {families[s]}");
        }
        Console.WriteLine();
        Console.WriteLine($"| workload | {sides[0].Name} ms | {sides[1].Name} ms | speedup |");
        Console.WriteLine("|---|---|---|---|");
        var rows = new List<object>();
        foreach (var workload in results[0][0].Keys)
        {
            double a = Timing.Median(results[0].Select(v => v[workload]).ToArray()), b = Timing.Median(results[1].Select(v => v[workload]).ToArray());
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {workload} | {a:F2} | {b:F2} | {a / b:F2}× |"));
            rows.Add(new { workload, own_choice_ms = a, intel_path_ms = b, speedup = a / b, own_choice_rounds = results[0].Select(v => v[workload]), intel_path_rounds = results[1].Select(v => v[workload]) });
        }
        if (args.OutPath is { } path)
        {
            File.WriteAllText(path, JsonSerializer.Serialize(new { benchmark = "mkl-path", rounds, own_choice = families[0], intel_path = families[1], rows }, new JsonSerializerOptions { WriteIndented = true }));
        }
        return 0;
    }

    private static (Dictionary<string, double> Values, string Family) RunChild(string intelPath, bool quick)
    {
        // Rerun this benchmark executable (apphost, or `dotnet Cqil.Lab.Benchmarks.dll`) as a child.
        string self = typeof(MklCodePathBenchmark).Assembly.Location;
        string host = Environment.ProcessPath ?? "dotnet";
        var info = new ProcessStartInfo(host) { RedirectStandardOutput = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(host) == "dotnet")
        {
            info.ArgumentList.Add(self);
        }
        foreach (var a in new[] { "mkl-path", "--child", "1" }.Concat(quick ? ["--quick"] : []))
        {
            info.ArgumentList.Add(a);
        }
        info.Environment[MklCodePath.DisableVariable] = intelPath;
        using var child = Process.Start(info) ?? throw new InvalidOperationException("could not start a child benchmark process");
        string output = child.StandardOutput.ReadToEnd();
        child.WaitForExit();
        var line = output.Split('\n').FirstOrDefault(l => l.StartsWith(ResultPrefix, StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"the child benchmark (exit {child.ExitCode}) printed no result:\n{output}");
        var parsed = JsonSerializer.Deserialize<ChildResult>(line[ResultPrefix.Length..])!;
        return (parsed.Values, parsed.Family);
    }

    private sealed record ChildResult(Dictionary<string, double> Values, string Family);

    private static int Child(bool quick)
    {
        int reps = quick ? 2 : 5;
        using var worker = new DeviceWorker(CPU, Environment.ProcessorCount, "mkl-path");
        var values = worker.Run(() =>
        {
            using var noGrad = no_grad();
            var v = new Dictionary<string, double>();
            double Ms(Action action) => Timing.Median(Timing.Measure(CPU, 2, reps, action));
            var x = randn(256, 256);
            var w = randn(256, 1408);
            // The latency lab's models: B (prefill) at hidden 256, A (decode) at hidden 512.
            using var b = RandomModel.Create(BenchmarkModels.Config(256, layers: 12), seed: 7);
            using var a = RandomModel.Create(BenchmarkModels.Config(512, layers: 12), seed: 7);
            var prompt = randint(1, 4000, [1, 256], dtype: ScalarType.Int64);
            var shortPrompt = randint(1, 4000, [1, 32], dtype: ScalarType.Int64);
            int tokens = quick ? 4 : 32;
            foreach (int threads in new[] { 1, Environment.ProcessorCount }.Distinct())
            {
                set_num_threads(threads);
                v[$"sgemm 256×256·256×1408, {threads} thr"] = Ms(() => { using var s = NewDisposeScope(); x.mm(w); });
                v[$"prefill 1×256, 12 layers h256, {threads} thr"] = Ms(() => { using var s = NewDisposeScope(); using var c = b.NewCache(1, 256); b.Forward(prompt, c, null, LogitsFor.LastPosition); });
                v[$"decode ms/token, 12 layers h512, {threads} thr"] = Timing.Median(Enumerable.Range(0, reps + 1).Select(_ => DecodeMsPerToken(a, shortPrompt, tokens)).Skip(1).ToArray());
            }
            return v;
        });
        Console.WriteLine(ResultPrefix + JsonSerializer.Serialize(new ChildResult(values, MklCodePath.Describe())));
        return 0;
    }

    // Batch-1 greedy decode after the (untimed) prompt, the cache sized for it; ms per decoded token.
    private static double DecodeMsPerToken(LlamaModel model, Tensor prompt, int tokens)
    {
        using var scope = NewDisposeScope();
        using var cache = model.NewCache(1, (int)prompt.shape[1] + tokens);
        var next = model.Forward(prompt, cache, null, LogitsFor.LastPosition).argmax(-1);
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < tokens; i++)
        {
            next = model.Forward(next.view(1, 1), cache, null, LogitsFor.LastPosition).argmax(-1);
        }
        _ = next.item<long>();
        return Stopwatch.GetElapsedTime(start).TotalMilliseconds / tokens;
    }
}
