using System.Runtime.InteropServices;

namespace Cqil.Lab.Core.Runtime;

/// <summary>
/// Settings that must reach native code (libgomp inside libtorch) before libtorch is loaded, and native
/// memory hygiene. .NET's Environment.SetEnvironmentVariable does not change the C environment on Linux,
/// so libc's setenv is called directly.
/// </summary>
public static partial class NativeEnvironment
{
    private static int configured;

    /// <summary>
    /// Sets OMP_WAIT_POLICY=PASSIVE unless the user chose otherwise. With libgomp's default spin-waiting,
    /// a worker thread that hands work to another spins on its core; measured here, two-thread decode ran
    /// 35x slower. Must run before the first torch call; calling it again does nothing.
    /// </summary>
    public static void Configure()
    {
        if (Interlocked.Exchange(ref configured, 1) == 1 || !OperatingSystem.IsLinux())
        {
            return;
        }
        if (Environment.GetEnvironmentVariable("OMP_WAIT_POLICY") is null)
        {
            SetEnv("OMP_WAIT_POLICY", "PASSIVE", overwrite: 0);
            Environment.SetEnvironmentVariable("OMP_WAIT_POLICY", "PASSIVE");
        }
    }

    /// <summary>
    /// Returns freed native heap pages to the OS. glibc keeps pages that libtorch freed; without this,
    /// RSS creeps up by megabytes per step in long loops although live tensors stay constant.
    /// </summary>
    public static void TrimNativeHeap()
    {
        if (OperatingSystem.IsLinux())
        {
            MallocTrim(0);
        }
    }

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetEnv(string name, string value, int overwrite);

    [LibraryImport("libc", EntryPoint = "malloc_trim")]
    private static partial int MallocTrim(nuint pad);
}
