using Cqil.Lab.Benchmarks;
using Cqil.Lab.Core.Runtime;

// Each benchmark measures its sides in one run and prints a table; `--quick` shrinks sizes for a smoke run.
TorchRuntime.EnsureInitialized();
var benchmarks = new Dictionary<string, Func<BenchmarkArgs, int>>
{
    ["engine"] = EngineBenchmark.Run,
    ["cqil-modes"] = CqilModesBenchmark.Run,
    ["analysis-overhead"] = AnalysisOverheadBenchmark.Run,
    ["latency-lab"] = LatencyLabBenchmark.Run,
    ["eval-shared-context"] = EvalSharedContextBenchmark.Run,
    ["demo-training"] = DemoTrainingBenchmark.Run,
};
if (args.Length == 0 || !benchmarks.TryGetValue(args[0], out var run))
{
    Console.Error.WriteLine($"usage: dotnet run -c Release --project Cqil.Lab.Benchmarks -- <{string.Join("|", benchmarks.Keys)}> [--quick] [--out FILE.json]");
    return 2;
}
return run(BenchmarkArgs.Parse(args[1..]));
