using System.Text.Json;
using Cqil.Lab.Cli;
using Cqil.Lab.Core.Runtime;
using Cqil.Lab.Tests.Fixtures;

namespace Cqil.Lab.Tests.Cli;

public sealed class GenerateCommandTests
{
    private static (int Code, string Out, string Err) Run(params string[] args) => CliRun.Run(args);

    [SharedDataFact("data/stories260K/stories260K.bin", "data/stories260K/tok512.bin")]
    public void Json_output_has_prompt_ids_new_ids_and_text()
    {
        var (code, output, error) = Run("generate", "--model", SharedData.Stories260K, "--prompt", "Once upon a time", "--max-new-tokens", "12", "--json");

        Assert.True(code == 0, error);
        using var doc = JsonDocument.Parse(output);
        Assert.Equal([1, 403, 407, 261, 378], doc.RootElement.GetProperty("prompt_ids").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal([432, 383, 286, 261, 376, 298, 315, 421, 395, 317, 426, 338], doc.RootElement.GetProperty("new_ids").EnumerateArray().Select(e => e.GetInt32()));
        Assert.StartsWith("Once upon a time, there was a little girl", doc.RootElement.GetProperty("text").GetString());
    }

    [SharedDataFact("data/stories260K/stories260K.bin", "data/stories260K/tok512.bin")]
    public void Sampling_with_a_seed_is_reproducible_and_bf16_runs()
    {
        string[] args = ["generate", "--model", SharedData.Stories260K, "--max-new-tokens", "20", "--temperature", "0.9", "--seed", "7", "--json"];
        var first = Run(args);
        var second = Run(args);
        var other = Run([.. args[..^3], "8", "--json"]);
        Assert.Equal(0, first.Code);
        Assert.Equal(first.Out, second.Out);
        Assert.NotEqual(first.Out, other.Out);

        var bf16 = Run("generate", "--model", SharedData.Stories260K, "--max-new-tokens", "8", "--dtype", "bf16");
        Assert.True(bf16.Code == 0, bf16.Err);
        Assert.StartsWith("Once upon a time", bf16.Out);
        // bf16 on a CPU without fast bf16 kernels (this project's AVX2-only VMs) says so; where it is fast, nothing.
        bool slow = Bf16Performance.SlowdownOverF32() > Bf16Performance.SlowFactor;
        Assert.Equal(slow, bf16.Err.Contains("warning: a 128x128 bf16 matrix product takes", StringComparison.Ordinal));
        Assert.DoesNotContain("warning:", first.Err);
    }

    [Theory]
    [InlineData("--dtype", "f8", "dtype 'f8'")]
    [InlineData("--device", "tpu", "device 'tpu'")]
    [InlineData("--max-new-tokens", "-1", "max new tokens must be >= 0")]
    public void Bad_options_exit_with_code_2(string option, string value, string expected)
    {
        var (code, _, error) = Run("generate", "--model", "whatever", option, value);
        Assert.Equal(2, code);
        Assert.Contains(expected, error);
    }

    [Fact]
    public void Unknown_option_is_a_usage_error()
    {
        var (code, _, error) = Run("generate", "--model", "m", "--no-such-option");
        Assert.Equal(2, code);
        Assert.Contains("--no-such-option", error);
    }
}
