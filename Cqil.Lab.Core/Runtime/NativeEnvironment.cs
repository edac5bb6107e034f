using System.Runtime.InteropServices;

namespace Cqil.Lab.Core.Runtime;

/// <summary>
/// Settings that must reach native code (libgomp and MKL inside libtorch) before libtorch is loaded, and native
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
        KeepFreedMemoryForReuse();
        MklCodePath.Prepare();
    }

    /// <summary>
    /// Stops glibc from handing freed activation buffers back to the OS after every op. By default a freed
    /// multi-megabyte block is unmapped or trimmed, and the next op faults its pages in again; in this VM
    /// that made a softmax over 8 MB take 30 ms instead of 2. Blocks up to 32 MB (glibc's maximum) now come
    /// from the heap, and the heap is trimmed only past 1 GiB of free space (or by <see cref="TrimNativeHeap"/>).
    /// The top pad matters for worker threads: their allocations come from per-thread arenas made of 64 MiB
    /// heaps, and glibc unmaps such a heap as soon as it is empty unless the pad keeps it; measured on
    /// HellaSwag scoring with stories260K, the shared-context scorer went from 2.2 s to 1.6 s per 100 items.
    /// </summary>
    private static void KeepFreedMemoryForReuse()
    {
        const int TrimThreshold = -1, TopPad = -2, MmapThreshold = -3;
        Mallopt(MmapThreshold, 32 << 20);
        Mallopt(TrimThreshold, 1 << 30);
        Mallopt(TopPad, 64 << 20);
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

    [LibraryImport("libc", EntryPoint = "mallopt")]
    private static partial int Mallopt(int parameter, int value);

    [LibraryImport("libc", EntryPoint = "malloc_trim")]
    private static partial int MallocTrim(nuint pad);
}
