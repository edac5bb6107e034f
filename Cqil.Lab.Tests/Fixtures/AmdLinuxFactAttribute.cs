using System.Runtime.InteropServices;

namespace Cqil.Lab.Tests.Fixtures;

/// <summary>
/// A fact about MKL's vendor-check shim in this very process: it needs Linux x64 on an AMD CPU and a C compiler
/// at build time (the shim is compiled by the build), and says which is missing otherwise.
/// </summary>
public sealed class AmdLinuxFactAttribute : FactAttribute
{
    public AmdLinuxFactAttribute()
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64)
        {
            Skip = "needs Linux x64 (the MKL shim is Linux-only)";
        }
        else if (!File.ReadLines("/proc/cpuinfo").Any(l => l.StartsWith("vendor_id", StringComparison.Ordinal) && l.EndsWith("AuthenticAMD", StringComparison.Ordinal)))
        {
            Skip = "needs an AMD CPU (MKL already uses its fast kernels on Intel CPUs)";
        }
        else if (!HasCompiler())
        {
            Skip = "needs a C compiler (`cc`) at build time to build the MKL shim";
        }
    }

    private static bool HasCompiler() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(dir => dir.Length > 0 && File.Exists(Path.Combine(dir, "cc")));
}
