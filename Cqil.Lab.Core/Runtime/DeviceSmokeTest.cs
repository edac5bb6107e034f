using System.Diagnostics;
using static TorchSharp.torch;

namespace Cqil.Lab.Core.Runtime;

/// <summary>What one smoke test of a device found: it computed a product there and agreed with the CPU, or why not.</summary>
public sealed record DeviceSmokeReport(string Device, string Libtorch, bool CudaAvailable, int CudaDevices, int Size, double MaxRelativeError, double ProductMs, bool Passed, string? Problem);

/// <summary>
/// The first thing to run on a new box (`cqil doctor`): can this build put a tensor on the device, multiply there,
/// synchronize, and get back what the CPU computes? Runs on the device's worker thread.
/// </summary>
public static class DeviceSmokeTest
{
    /// <summary>Float32 products of this size agree with the CPU's far better than this (TF32 would not: 1e-3).</summary>
    public const double Tolerance = 1e-4;

    public static DeviceSmokeReport Run(Device device, int size = 1024)
    {
        using var scope = NewDisposeScope();
        bool cuda = TorchSharp.torch.cuda.is_available();
        int count = cuda ? TorchSharp.torch.cuda.device_count() : 0;
        using var generator = new Generator(1234);
        var a = randn([size, size], ScalarType.Float32, CPU, generator: generator);
        var b = randn([size, size], ScalarType.Float32, CPU, generator: generator);
        var expected = a.mm(b);
        var da = a.to(device);
        var db = b.to(device);
        da.mm(db).Dispose(); // warm-up: the first product on a GPU loads kernels and a BLAS handle
        TorchRuntime.Synchronize(device);
        long start = Stopwatch.GetTimestamp();
        var product = da.mm(db);
        TorchRuntime.Synchronize(device);
        double ms = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        var back = product.cpu();
        double error = (back - expected).abs().max().item<float>() / Math.Max(1e-30, expected.abs().max().item<float>());
        bool passed = back.device.type == TorchSharp.DeviceType.CPU && product.device_type == device.type && error <= Tolerance;
        string? problem = passed ? null : $"the product on {device} differs from the CPU's by {error:G3} of its largest entry (tolerance {Tolerance:G1})";
        return new DeviceSmokeReport(device.ToString(), TorchRuntime.LibtorchDescription(), cuda, count, size, error, ms, passed, problem);
    }
}
