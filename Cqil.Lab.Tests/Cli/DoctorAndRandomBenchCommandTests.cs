using System.Text.Json;
using Cqil.Lab.Tests.Fixtures;

namespace Cqil.Lab.Tests.Cli;

/// <summary>The commands the GPU check script runs first: `cqil doctor`, and `cqil bench` on a random shape.</summary>
public class DoctorAndRandomBenchCommandTests
{
    private static (int Code, string Out, string Err) Run(params string[] args) => CliRun.Run(args);

    [Fact]
    public void Doctor_multiplies_on_the_device_and_agrees_with_the_cpu()
    {
        var (code, output, error) = Run("doctor", "--device", "cpu", "--size", "64", "--json");
        Assert.True(code == 0, error);
        using var json = JsonDocument.Parse(output);
        Assert.True(json.RootElement.GetProperty("passed").GetBoolean());
        Assert.Equal(64, json.RootElement.GetProperty("size").GetInt32());
        Assert.Equal(0.0, json.RootElement.GetProperty("max_relative_error").GetDouble(), 6);
    }

    [Fact]
    public void Asking_for_cuda_where_there_is_none_says_how_to_get_it()
    {
        if (TorchSharp.torch.cuda.is_available())
        {
            return; // a GPU box: nothing to refuse
        }
        var (code, _, error) = Run("doctor", "--device", "cuda");
        Assert.Equal(2, code);
        Assert.Contains("CUDA is not available", error);
        Assert.Contains("TorchBackend=external", error);
    }

    [Fact]
    public void Bench_takes_a_random_shape_and_names_it_in_the_report()
    {
        var (output, json) = BenchSmallRandomModel("fused");
        Assert.Contains("random:layers=4,hidden=64,vocab=128", output);
        Assert.Equal("random", json.GetProperty("model").GetProperty("format").GetString());
        Assert.Equal("fused", json.GetProperty("runs")[0].GetProperty("mode").GetString());
    }

    [Fact]
    public void Bench_measures_a_comma_list_of_modes_side_by_side()
    {
        var (_, json) = BenchSmallRandomModel("fused, concurrent");
        var modes = json.GetProperty("runs").EnumerateArray().Select(r => r.GetProperty("mode").GetString()!).ToArray();
        Assert.Equal(new[] { "fused", "concurrent" }, modes);
    }

    /// <summary>`cqil bench` of a 4-layer random model with plan S1-E3-P2 in <paramref name="mode"/>, briefly: its output and its JSON report.</summary>
    private static (string Output, JsonElement Report) BenchSmallRandomModel(string mode)
    {
        string path = Path.Combine(Path.GetTempPath(), $"cqil-bench-{Guid.NewGuid():N}.json");
        try
        {
            var (code, output, error) = Run("bench", "--model", "random:layers=4,hidden=64,vocab=128", "--plan", "X-S1-E3-P2-D0", "--mode", mode,
                "--prompt-len", "8", "--decode-tokens", "2", "--warmup", "0", "--reps", "2", "--thread-candidates", "1", "--no-projection", "--out", path);
            Assert.True(code == 0, error);
            using var json = JsonDocument.Parse(File.ReadAllText(path));
            return (output, json.RootElement.Clone());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Bench_names_an_unknown_mode_in_a_list()
    {
        var (code, _, error) = Run("bench", "--model", "random:layers=4,hidden=64,vocab=128", "--plan", "X-S1-E3-P2-D0", "--mode", "fused,sideways");
        Assert.Equal(2, code);
        Assert.Contains("mode 'sideways'", error);
    }

    [Fact]
    public void Commands_that_need_a_tokenizer_refuse_a_random_shape()
    {
        var (code, _, error) = Run("generate", "--model", "random:llama-7b");
        Assert.Equal(2, code);
        Assert.Contains("a random model has no tokenizer", error);
    }
}
