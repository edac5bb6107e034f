using System.Diagnostics;
using Cqil.Lab.Core.Latency;
using Cqil.Lab.Tests.Fixtures;

namespace Cqil.Lab.Tests.Latency;

public sealed class MachineInfoTests
{
    private static void Git(string dir, params string[] args)
    {
        var info = new ProcessStartInfo("git") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "-C", dir, "-c", "user.name=t", "-c", "user.email=t@t" }.Concat(args))
        {
            info.ArgumentList.Add(a);
        }
        using var p = Process.Start(info)!;
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, p.StandardError.ReadToEnd());
    }

    [Fact]
    public void A_checkout_with_changed_tracked_files_is_marked_and_build_output_is_not()
    {
        using var dir = new TempDirectory();
        string root = dir.Path;
        Git(root, "init", "-q");
        File.WriteAllText(dir.File("code.cs"), "class A {}");
        Git(root, "add", "code.cs");
        Git(root, "commit", "-q", "-m", "first");

        Assert.False(MachineInfo.HasTrackedChanges(root));
        File.WriteAllText(dir.File("bin.dll"), "untracked build output");
        Assert.False(MachineInfo.HasTrackedChanges(root));
        File.WriteAllText(dir.File("code.cs"), "class B {}");
        Assert.True(MachineInfo.HasTrackedChanges(root));

        using var plain = new TempDirectory();
        Assert.Null(MachineInfo.HasTrackedChanges(plain.Path)); // not a checkout
    }

    [Fact]
    public void The_commit_label_says_when_the_measured_code_was_not_the_commit()
    {
        var clean = new MachineInfo("cpu", 2, "os", null, null, 0, "2.10", "0.107", "10", "0123456789abcdef", null, false);
        Assert.Equal("0123456789", clean.CommitLabel());
        Assert.Equal("0123456789 + uncommitted changes", (clean with { UncommittedChanges = true }).CommitLabel());
        Assert.Equal("?", (clean with { GitCommit = null }).CommitLabel());
        Assert.Contains("commit 0123456789 + uncommitted changes", (clean with { UncommittedChanges = true }).OneLine());
    }
}
