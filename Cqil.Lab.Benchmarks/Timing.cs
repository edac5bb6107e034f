using System.Diagnostics;
using Cqil.Lab.Core.Runtime;
using TorchSharp;

namespace Cqil.Lab.Benchmarks;

/// <summary>Wall-clock timing with the device synchronized before every clock read.</summary>
public static class Timing
{
    /// <summary>Milliseconds of each of <paramref name="reps"/> runs after <paramref name="warmup"/> untimed ones.</summary>
    public static double[] Measure(torch.Device device, int warmup, int reps, Action action)
    {
        for (int i = 0; i < warmup; i++)
        {
            action();
        }
        var samples = new double[reps];
        for (int i = 0; i < reps; i++)
        {
            TorchRuntime.Synchronize(device);
            long start = Stopwatch.GetTimestamp();
            action();
            TorchRuntime.Synchronize(device);
            samples[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
        return samples;
    }

    public static double Median(double[] samples)
    {
        var sorted = samples.Order().ToArray();
        int n = sorted.Length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
}
