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
        if (Interlocked.Exchange(ref configured, 1) == 1)
        {
            return;
        }
        if (!OperatingSystem.IsLinux())
        {
            WaitPolicy = "not set (not Linux)";
            return;
        }
        string? chosen = Environment.GetEnvironmentVariable("OMP_WAIT_POLICY");
        bool loaded = IsMapped(ReadMaps(), "libgomp");
        WaitPolicy = DescribeWaitPolicy(chosen, loaded);
        if (chosen is null && !loaded)
        {
            SetEnv("OMP_WAIT_POLICY", "PASSIVE", overwrite: 0);
            Environment.SetEnvironmentVariable("OMP_WAIT_POLICY", "PASSIVE");
        }
        KeepFreedMemoryForReuse();
        MklCodePath.Prepare();
    }

    /// <summary>
    /// The OpenMP wait policy libgomp runs with, for reports. libgomp reads it once, when it is loaded: a program
    /// that touches torch before <see cref="Configure"/> (e.g. `new DeviceWorker(torch.CPU, …)`, whose argument
    /// loads libtorch first) keeps the spin-waiting default. Measured here (2026-11-27): a concurrent pair then
    /// took 12–14 ms instead of 5–6, the home thread's idle OpenMP thread spinning on the workers' cores.
    /// </summary>
    public static string WaitPolicy { get; private set; } = "not configured (libtorch not loaded through TorchRuntime)";

    /// <summary>False when libgomp ignores the policy the lab wanted (loaded before it could be set).</summary>
    public static bool WaitPolicyApplied => !WaitPolicy.StartsWith("NOT APPLIED", StringComparison.Ordinal);

    internal static string DescribeWaitPolicy(string? chosenByUser, bool libgompLoaded) => (chosenByUser, libgompLoaded) switch
    {
        ({ } user, _) => $"{user} (OMP_WAIT_POLICY from the process environment)",
        (null, false) => "PASSIVE (set before libgomp loaded)",
        (null, true) => "NOT APPLIED: libgomp was loaded before the lab could set OMP_WAIT_POLICY=PASSIVE, so idle OpenMP "
            + "threads spin; call TorchRuntime.EnsureInitialized() before any torch use, or export OMP_WAIT_POLICY=PASSIVE",
    };

    /// <summary>Whether a shared library whose file name contains <paramref name="library"/> is mapped (a /proc/self/maps text).</summary>
    internal static bool IsMapped(string maps, string library) =>
        maps.Split('\n').Any(line => line.LastIndexOf('/') is int slash and >= 0 && line[(slash + 1)..].Contains(library, StringComparison.Ordinal));

    /// <summary>The file a mapped library whose name starts with <paramref name="library"/> was loaded from, or null.</summary>
    internal static string? MappedPath(string maps, string library) =>
        maps.Split('\n').Select(line => line.IndexOf('/') is int at and >= 0 ? line[at..].Trim() : null)
            .FirstOrDefault(path => path is not null && Path.GetFileName(path).StartsWith(library, StringComparison.Ordinal));

    /// <summary>Where libtorch's CPU library was loaded from in this process, or null when it is not loaded (or not Linux).</summary>
    public static string? LoadedLibtorchPath() => OperatingSystem.IsLinux() ? MappedPath(ReadMaps(), "libtorch_cpu.") : null;

    private static string ReadMaps()
    {
        try
        {
            return File.ReadAllText("/proc/self/maps");
        }
        catch (IOException)
        {
            return "";
        }
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
