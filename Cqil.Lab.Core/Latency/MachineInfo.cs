using System.Diagnostics;
using System.Runtime.InteropServices;
using Cqil.Lab.Core.Model;
using Cqil.Lab.Core.Runtime;
using TorchSharp;

namespace Cqil.Lab.Core.Latency;

/// <summary>Where a measurement was taken: hardware, software versions and the code's commit.</summary>
public sealed record MachineInfo(
    string Cpu,
    int LogicalCores,
    string Os,
    string? Gpu,
    string? GpuDriver,
    int CudaDevices,
    string Libtorch,
    string TorchSharp,
    string DotNet,
    string? GitCommit,
    string? MathKernels = null,
    bool? UncommittedChanges = null,
    string? OpenMpWaitPolicy = null,
    string? PrefillKernel = null)
{
    public static MachineInfo Describe()
    {
        int cuda = torch.cuda.is_available() ? torch.cuda.device_count() : 0;
        var (gpu, driver) = cuda > 0 ? NvidiaSmi() : (null, null);
        return new MachineInfo(
            CpuModel(),
            Environment.ProcessorCount,
            RuntimeInformation.OSDescription,
            gpu,
            driver,
            cuda,
            TorchRuntime.LibtorchDescription(),
            typeof(torch).Assembly.GetName().Version?.ToString() ?? "?",
            Environment.Version.ToString(),
            CurrentGitCommit(),
            MklCodePath.Describe(),
            Environment.GetEnvironmentVariable("CQIL_GIT_COMMIT") is { Length: > 0 } ? null : CheckoutOf(AppContext.BaseDirectory) is { } root ? HasTrackedChanges(root) : null,
            NativeEnvironment.WaitPolicy,
            LayerMath.PrefillKernel.ToString().ToLowerInvariant());
    }

    /// <summary>The settings a timing depends on besides the hardware: commit, math kernels, OpenMP wait policy, prefill attention kernel.</summary>
    public string SoftwareSettings() =>
        $"commit {CommitLabel()}{(MathKernels is { } k ? "; " + k : "")}{(OpenMpWaitPolicy is { } w ? "; OpenMP wait policy " + w : "")}"
        + (PrefillKernel is { } a ? "; prefill attention " + a : "");

    /// <summary>"abc1234567", with a mark when the checkout had uncommitted changes to tracked files, or "?".</summary>
    public string CommitLabel() =>
        (GitCommit is { } c ? c[..Math.Min(10, c.Length)] : "?") + (UncommittedChanges == true ? " + uncommitted changes" : "");

    /// <summary>
    /// Whether tracked files of the checkout at <paramref name="directory"/> differ from its commit (`git status`,
    /// untracked files ignored: build output is); null where git is missing or fails.
    /// </summary>
    public static bool? HasTrackedChanges(string directory)
    {
        try
        {
            var info = new ProcessStartInfo("git") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in new[] { "-C", directory, "status", "--porcelain", "--untracked-files=no" })
            {
                info.ArgumentList.Add(a);
            }
            using var process = Process.Start(info);
            if (process is null)
            {
                return null;
            }
            string output = process.StandardOutput.ReadToEnd();
            if (!process.WaitForExit(5000) || process.ExitCode != 0)
            {
                return null;
            }
            return output.Trim().Length > 0;
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return null;
        }
    }

    // The nearest folder at or above `start` that holds a .git folder or file (worktree).
    private static string? CheckoutOf(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            if (Directory.Exists(Path.Combine(dir.FullName, ".git")) || File.Exists(Path.Combine(dir.FullName, ".git")))
            {
                return dir.FullName;
            }
        }
        return null;
    }

    /// <summary>One line naming the machine and software a measurement came from, for result tables.</summary>
    public string OneLine() =>
        $"{Cpu}, {LogicalCores} cores{(Gpu is { } g ? $", {g}{(GpuDriver is { } d ? $" (driver {d})" : "")}" : "")}; libtorch {Libtorch}, TorchSharp {TorchSharp}, .NET {DotNet}; {SoftwareSettings()}";

    private static string CpuModel()
    {
        try
        {
            var line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
            return line?.Split(':', 2)[1].Trim() ?? RuntimeInformation.ProcessArchitecture.ToString();
        }
        catch (IOException)
        {
            return RuntimeInformation.ProcessArchitecture.ToString();
        }
    }

    private static (string?, string?) NvidiaSmi()
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo("nvidia-smi", "--query-gpu=name,driver_version --format=csv,noheader")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            });
            if (process is null)
            {
                return (null, null);
            }
            string first = process.StandardOutput.ReadLine() ?? "";
            process.WaitForExit(5000);
            var parts = first.Split(',', 2, StringSplitOptions.TrimEntries);
            return parts.Length == 2 ? (parts[0], parts[1]) : (first.Length > 0 ? first : null, null);
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return (null, null);
        }
    }

    /// <summary>The commit of the repository the binaries run from (CQIL_GIT_COMMIT overrides); null outside a checkout.</summary>
    public static string? CurrentGitCommit()
    {
        if (Environment.GetEnvironmentVariable("CQIL_GIT_COMMIT") is { Length: > 0 } given)
        {
            return given;
        }
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string git = Path.Combine(dir.FullName, ".git");
            if (File.Exists(git))
            {
                // A worktree: ".git" is a file pointing at the real git directory.
                var pointer = File.ReadAllText(git).Trim();
                git = pointer.StartsWith("gitdir:", StringComparison.Ordinal) ? pointer[7..].Trim() : git;
            }
            if (!Directory.Exists(git))
            {
                continue;
            }
            try
            {
                string head = File.ReadAllText(Path.Combine(git, "HEAD")).Trim();
                if (!head.StartsWith("ref:", StringComparison.Ordinal))
                {
                    return head;
                }
                string name = head[4..].Trim();
                string[] gitDirs = [git, File.Exists(Path.Combine(git, "commondir")) ? Path.GetFullPath(Path.Combine(git, File.ReadAllText(Path.Combine(git, "commondir")).Trim())) : git];
                foreach (var g in gitDirs)
                {
                    string refPath = Path.Combine(g, name);
                    if (File.Exists(refPath))
                    {
                        return File.ReadAllText(refPath).Trim();
                    }
                    string packed = Path.Combine(g, "packed-refs");
                    if (File.Exists(packed))
                    {
                        var line = File.ReadLines(packed).FirstOrDefault(l => l.EndsWith(" " + name, StringComparison.Ordinal));
                        if (line is not null)
                        {
                            return line.Split(' ')[0];
                        }
                    }
                }
            }
            catch (IOException)
            {
                return null;
            }
            return null;
        }
        return null;
    }
}
