using System.Diagnostics;
using static TorchSharp.torch;

namespace Cqil.Lab.Core.Runtime;

/// <summary>
/// Whether bfloat16 matrix products are fast on this CPU. libtorch's fast bf16 kernels need AVX-512; without it a
/// bf16 product falls back to a generic loop. Measured on an AVX2-only AMD EPYC (Zen 3) guest, 2026-11-27: a
/// 2048² bf16 product ran at 0.3 GFLOP/s, and a 2-layer 1×256 prefill at hidden 1024 took 16 s in bf16 against
/// 0.2 s in f32 — on the Zen 5 guest of earlier sessions bf16 was the faster dtype. So the lab measures instead of
/// assuming, once per process, and says so when bf16 would be a trap.
/// </summary>
public static class Bf16Performance
{
    /// <summary>bf16 slower than f32 by more than this is reported (a fast bf16 path is at worst ~1–2× f32 here).</summary>
    public const double SlowFactor = 4.0;

    private static readonly Lazy<double> Slowdown = new(Measure, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Time of a 128² bf16 product over the same in f32 on the CPU (best of three each, after a warm-up).</summary>
    public static double SlowdownOverF32() => Slowdown.Value;

    /// <summary>A one-line warning when <paramref name="dtype"/> on <paramref name="device"/> is a slow choice, else null.</summary>
    public static string? Warning(ScalarType dtype, Device device) =>
        dtype == ScalarType.BFloat16 && device.type == TorchSharp.DeviceType.CPU ? Describe(SlowdownOverF32()) : null;

    internal static string? Describe(double slowdown) => slowdown > SlowFactor
        ? $"a 128x128 bf16 matrix product takes {slowdown:F0}x the f32 time on this CPU, and larger ones fall further behind (no fast bfloat16 kernels without AVX-512): prefer f32 here"
        : null;

    private static double Measure()
    {
        TorchRuntime.EnsureInitialized();
        using var scope = NewDisposeScope();
        using var generator = new Generator(7);
        var a = randn([128, 128], ScalarType.Float32, CPU, generator: generator);
        var b = randn([128, 128], ScalarType.Float32, CPU, generator: generator);
        double f32 = Best(a, b);
        double bf16 = Best(a.to(ScalarType.BFloat16), b.to(ScalarType.BFloat16));
        return bf16 / Math.Max(f32, 1e-9);
    }

    private static double Best(Tensor a, Tensor b)
    {
        a.mm(b).Dispose();
        double best = double.MaxValue;
        for (int i = 0; i < 3; i++)
        {
            long start = Stopwatch.GetTimestamp();
            a.mm(b).Dispose();
            best = Math.Min(best, Stopwatch.GetElapsedTime(start).TotalSeconds);
        }
        return best;
    }
}
