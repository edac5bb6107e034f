using Cqil.Lab.Benchmarks;
using Cqil.Lab.Core.Runtime;

// Each benchmark measures its sides in one run and prints a table; `--quick` shrinks sizes for a smoke run.
TorchRuntime.EnsureInitialized();
// Which matrix kernels MKL runs changes every CPU timing ~2x on AMD CPUs (Core/Runtime/MklCodePath.cs).
Console.Error.WriteLine($"# {MklCodePath.Describe()}");
// Idle OpenMP threads that spin steal the cores a concurrent group's workers run on (Core/Runtime/NativeEnvironment.cs).
Console.Error.WriteLine($"# OpenMP wait policy: {NativeEnvironment.WaitPolicy}");
var benchmarks = new Dictionary<string, Func<BenchmarkArgs, int>>
{
    ["engine"] = EngineBenchmark.Run,
    ["cqil-modes"] = CqilModesBenchmark.Run,
    ["analysis-overhead"] = AnalysisOverheadBenchmark.Run,
    ["latency-lab"] = LatencyLabBenchmark.Run,
    ["eval-shared-context"] = EvalSharedContextBenchmark.Run,
    ["demo-training"] = DemoTrainingBenchmark.Run,
    ["recall-calibration"] = RecallCalibrationBenchmark.Run,
    ["mkl-path"] = MklCodePathBenchmark.Run,
};
if (args.Length == 0 || !benchmarks.TryGetValue(args[0], out var run))
{
    Console.Error.WriteLine($"usage: dotnet run -c Release --project Cqil.Lab.Benchmarks -- <{string.Join("|", benchmarks.Keys)}> [--quick] [--out FILE.json] [--prefill-attention blocks|fused]");
    return 2;
}
var parsed = BenchmarkArgs.Parse(args[1..]);
// `--prefill-attention blocks` runs every side with the engine's block attention instead of libtorch's fused kernel.
if (parsed.Extra.GetValueOrDefault("prefill-attention") is { } kernel)
{
    Cqil.Lab.Core.Model.LayerMath.PrefillKernel = Enum.TryParse<Cqil.Lab.Core.Model.PrefillAttention>(kernel, ignoreCase: true, out var k)
        ? k : throw new ArgumentException($"--prefill-attention must be blocks or fused, got '{kernel}'");
}
// Benchmarks that compare kernels (eval-shared-context) switch it per setting and say so in their tables.
Console.Error.WriteLine($"# prefill attention: {Cqil.Lab.Core.Model.LayerMath.PrefillKernel.ToString().ToLowerInvariant()}");
return run(parsed);
