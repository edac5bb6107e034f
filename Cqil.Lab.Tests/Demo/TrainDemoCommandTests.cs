using Cqil.Lab.Tests.Fixtures;

namespace Cqil.Lab.Tests.Demo;

public sealed class TrainDemoCommandTests
{
    private static (int Code, string Out, string Err) Run(params string[] args) => CliRun.Run(args);

    [Theory]
    [InlineData(null, "0")]
    [InlineData("1", null)]
    [InlineData("0", null)]
    public void Training_keeps_MKLs_own_kernels_unless_the_user_chose(string? current, string? set)
    {
        // The committed model was trained with MKL's generic kernels on this AMD machine; its AVX-512 path trains another.
        Assert.Equal(set, global::Cqil.Lab.Cli.Commands.TrainDemoCommand.PreferCommittedKernels(current));
    }

    [Fact]
    public void An_unwritable_out_folder_is_one_clear_line_and_exit_code_2()
    {
        using var scratch = new TempDirectory();
        string file = scratch.File("a-file");
        File.WriteAllText(file, "not a folder");
        var (code, _, error) = Run("train-demo", "--out", Path.Combine(file, "demo"));
        Assert.Equal(2, code);
        var lines = error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.StartsWith("error: ", lines[0]);
        Assert.Contains("cannot write the demo model there", lines[0]);
    }

    [Theory]
    [InlineData("--steps", "0", "steps")]
    [InlineData("--hidden", "30", "hidden")]
    [InlineData("--threads", "0", "--threads")]
    public void Bad_settings_exit_with_code_2(string option, string value, string expected)
    {
        using var scratch = new TempDirectory();
        var (code, _, error) = Run("train-demo", "--out", scratch.Path, option, value);
        Assert.Equal(2, code);
        Assert.Contains(expected, error);
    }

    [Fact]
    public void Out_is_required()
    {
        var (code, _, error) = Run("train-demo");
        Assert.Equal(2, code);
        Assert.Contains("--out", error);
    }
}
