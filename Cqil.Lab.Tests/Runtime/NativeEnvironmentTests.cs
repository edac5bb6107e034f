using Cqil.Lab.Core.Latency;
using Cqil.Lab.Core.Runtime;

namespace Cqil.Lab.Tests.Runtime;

public class NativeEnvironmentTests
{
    [Fact]
    public void The_wait_policy_is_described_by_who_set_it_and_whether_libgomp_could_still_read_it()
    {
        Assert.Equal("PASSIVE (set before libgomp loaded)", NativeEnvironment.DescribeWaitPolicy(null, libgompLoaded: false));
        Assert.StartsWith("NOT APPLIED: libgomp was loaded before", NativeEnvironment.DescribeWaitPolicy(null, libgompLoaded: true));
        // A value in the process environment (the user's, or inherited from a lab process that started this one) is
        // what libgomp reads, whenever it loads.
        Assert.Equal("ACTIVE (OMP_WAIT_POLICY from the process environment)", NativeEnvironment.DescribeWaitPolicy("ACTIVE", libgompLoaded: true));
    }

    [Fact]
    public void A_library_counts_as_mapped_by_its_file_name_only()
    {
        const string maps = """
            7f1c2a000000-7f1c2a021000 r-xp 00000000 08:01 1234 /opt/app/runtimes/linux-x64/native/libgomp-98b21ff3.so.1
            7f1c2b000000-7f1c2b100000 r-xp 00000000 08:01 1235 /home/libgomp-notes/libtorch_cpu.so
            7ffd1c000000-7ffd1c021000 rw-p 00000000 00:00 0 [stack]
            """;
        Assert.True(NativeEnvironment.IsMapped(maps, "libgomp"));
        Assert.True(NativeEnvironment.IsMapped(maps, "libtorch_cpu"));
        Assert.False(NativeEnvironment.IsMapped(maps.Replace("libgomp-98b21ff3.so.1", "libc.so.6"), "libgomp")); // a folder named libgomp-notes is not the library
        Assert.False(NativeEnvironment.IsMapped("", "libgomp"));
    }

    [Fact]
    public void The_path_of_a_mapped_library_is_found_by_its_file_name()
    {
        const string maps = """
            7f1c2b000000-7f1c2b100000 r-xp 00000000 08:01 1235 /home/libtorch_cpu.notes/libc.so.6
            7f1c2a000000-7f1c2a021000 r-xp 00000000 08:01 1234 /opt/torch/.venv/lib/python3.12/site-packages/torch/lib/libtorch_cpu.so
            7ffd1c000000-7ffd1c021000 rw-p 00000000 00:00 0 [stack]
            """;
        Assert.Equal("/opt/torch/.venv/lib/python3.12/site-packages/torch/lib/libtorch_cpu.so", NativeEnvironment.MappedPath(maps, "libtorch_cpu."));
        Assert.Null(NativeEnvironment.MappedPath(maps, "libgomp"));
        if (OperatingSystem.IsLinux())
        {
            // This test process loaded libtorch from its own output folder, so reports show the bare version.
            Assert.EndsWith("libtorch_cpu.so", NativeEnvironment.LoadedLibtorchPath());
            Assert.Equal(TorchRuntime.EnsureInitialized(), TorchRuntime.LibtorchDescription());
        }
    }

    [Fact]
    public void This_process_configured_the_policy_before_libtorch_loaded_and_reports_say_so()
    {
        // The test assembly initializes the runtime first (TestStartup), as every front end does.
        Assert.True(NativeEnvironment.WaitPolicyApplied, NativeEnvironment.WaitPolicy);
        if (OperatingSystem.IsLinux())
        {
            Assert.True(NativeEnvironment.IsMapped(File.ReadAllText("/proc/self/maps"), "libgomp"), "libtorch's OpenMP runtime should be loaded by now");
        }
        var machine = MachineInfo.Describe();
        Assert.Equal(NativeEnvironment.WaitPolicy, machine.OpenMpWaitPolicy);
        Assert.Contains("OpenMP wait policy " + NativeEnvironment.WaitPolicy, machine.OneLine());
    }
}
