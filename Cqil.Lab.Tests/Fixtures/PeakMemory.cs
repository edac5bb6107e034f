namespace Cqil.Lab.Tests.Fixtures;

/// <summary>
/// The process's peak resident memory (VmHWM) on Linux, which can be reset between measurements by writing
/// "5" to /proc/self/clear_refs, so one process can compare the peaks of two workloads.
/// </summary>
public static class PeakMemory
{
    public static bool Supported => File.Exists("/proc/self/clear_refs") && File.Exists("/proc/self/status");

    public static void Reset() => File.WriteAllText("/proc/self/clear_refs", "5");

    public static long PeakBytes()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                return long.Parse(line["VmHWM:".Length..].Trim().Split(' ')[0]) * 1024;
            }
        }
        throw new InvalidOperationException("no VmHWM in /proc/self/status");
    }

    /// <summary>Peak RSS while <paramref name="work"/> runs, after a GC and a heap trim so earlier garbage does not count.</summary>
    public static long PeakDuring(Action work)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        global::Cqil.Lab.Core.Runtime.NativeEnvironment.TrimNativeHeap();
        Reset();
        work();
        return PeakBytes();
    }
}
