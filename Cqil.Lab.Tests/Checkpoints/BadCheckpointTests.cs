using Cqil.Lab.Cli;
using Cqil.Lab.Core;
using Cqil.Lab.Core.Checkpoints;
using Cqil.Lab.Tests.Fixtures;
using static TorchSharp.torch;

namespace Cqil.Lab.Tests.Checkpoints;

/// <summary>Each kind of broken model input gives one clear line naming the file and the problem.</summary>
public sealed class BadCheckpointTests : IDisposable
{
    private readonly TempDirectory dir = new();
    private readonly TinyLlamaSpec spec = new();

    public void Dispose() => dir.Dispose();

    private string WriteValidFolder(Action<Dictionary<string, Tensor>>? edit = null)
    {
        var tensors = HfFixture.RandomTensors(spec, seed: 1);
        edit?.Invoke(tensors);
        HfFixture.WriteFolder(dir.Path, spec, tensors);
        return dir.Path;
    }

    private static InvalidInputException Rejects(string folder)
    {
        var e = Assert.Throws<InvalidInputException>(() => HuggingFaceCheckpoint.Load(folder, ScalarType.Float32, CPU));
        Assert.DoesNotContain('\n', e.Message);
        return e;
    }

    [Fact]
    public void Truncated_safetensors_is_named_and_called_truncated()
    {
        string folder = WriteValidFolder();
        string file = Path.Combine(folder, "model.safetensors");
        using (var stream = File.OpenWrite(file))
        {
            stream.SetLength(stream.Length - 100);
        }
        var e = Rejects(folder);
        Assert.Contains(file, e.Message);
        Assert.Contains("truncated", e.Message);
    }

    [Fact]
    public void Header_length_past_the_end_of_file_is_rejected()
    {
        string folder = WriteValidFolder();
        string file = Path.Combine(folder, "model.safetensors");
        File.WriteAllBytes(file, [.. BitConverter.GetBytes(1_000_000UL), .. "{\"a\":1}"u8.ToArray()]);
        var e = Rejects(folder);
        Assert.Contains(file, e.Message);
        Assert.Contains("header length 1000000 runs past the end of the file", e.Message);
    }

    [Fact]
    public void Header_that_is_not_json_is_rejected()
    {
        string folder = WriteValidFolder();
        string file = Path.Combine(folder, "model.safetensors");
        File.WriteAllBytes(file, [.. BitConverter.GetBytes(4UL), .. "{{{{"u8.ToArray()]);
        Assert.Contains("header is not valid JSON", Rejects(folder).Message);
    }

    [Fact]
    public void Tensor_shape_that_disagrees_with_config_is_named()
    {
        string folder = WriteValidFolder();
        string config = Path.Combine(folder, "config.json");
        File.WriteAllText(config, File.ReadAllText(config).Replace("\"intermediate_size\": 72", "\"intermediate_size\": 80"));
        var e = Rejects(folder);
        Assert.Contains("tensor 'model.layers.0.mlp.gate_proj.weight' has shape [72, 32] but config.json implies [80, 32]", e.Message);
        Assert.Contains("model.safetensors", e.Message);
    }

    [Fact]
    public void Missing_tensor_is_named()
    {
        string folder = WriteValidFolder(t => t.Remove("model.layers.1.mlp.up_proj.weight"));
        var e = Rejects(folder);
        Assert.Contains("missing tensor 'model.layers.1.mlp.up_proj.weight'", e.Message);
        Assert.Contains("model.safetensors", e.Message);
    }

    [Fact]
    public void Integer_weights_are_an_unsupported_dtype()
    {
        string folder = WriteValidFolder(t => t["model.norm.weight"] = t["model.norm.weight"].to(ScalarType.Int64));
        Assert.Contains("tensor 'model.norm.weight' has dtype I64; weights must be F32, F16 or BF16", Rejects(folder).Message);
    }

    [Fact]
    public void Unknown_dtype_in_the_header_is_rejected()
    {
        string folder = WriteValidFolder();
        string file = Path.Combine(folder, "model.safetensors");
        RewriteHeader(file, header => header["model.norm.weight"]!["dtype"] = "F8_E4M3");
        Assert.Contains("tensor 'model.norm.weight' has dtype F8_E4M3", Rejects(folder).Message);
    }

    // Replaces the JSON header of a safetensors file, keeping the data section as it is.
    private static void RewriteHeader(string file, Action<System.Text.Json.Nodes.JsonObject> edit)
    {
        byte[] bytes = File.ReadAllBytes(file);
        int length = (int)BitConverter.ToUInt64(bytes, 0);
        var header = System.Text.Json.Nodes.JsonNode.Parse(bytes.AsSpan(8, length))!.AsObject();
        edit(header);
        byte[] json = System.Text.Encoding.UTF8.GetBytes(header.ToJsonString());
        File.WriteAllBytes(file, [.. BitConverter.GetBytes((ulong)json.Length), .. json, .. bytes.AsSpan(8 + length)]);
    }

    [Fact]
    public void Config_that_is_not_json_is_named()
    {
        string folder = WriteValidFolder();
        File.WriteAllText(Path.Combine(folder, "config.json"), "{ this is not json");
        var e = Rejects(folder);
        Assert.Contains(Path.Combine(folder, "config.json"), e.Message);
        Assert.Contains("not valid JSON", e.Message);
    }

    [Fact]
    public void Missing_tokenizer_is_reported_before_loading_weights()
    {
        string folder = WriteValidFolder();
        var e = Assert.Throws<InvalidInputException>(() => CheckpointLoader.Load(folder));
        Assert.Contains(folder, e.Message);
        Assert.Contains("missing tokenizer", e.Message);
    }

    [Fact]
    public void Non_llama_model_type_is_refused()
    {
        string folder = WriteValidFolder();
        string config = Path.Combine(folder, "config.json");
        File.WriteAllText(config, File.ReadAllText(config).Replace("\"model_type\": \"llama\"", "\"model_type\": \"gpt2\""));
        Assert.Contains("model_type 'gpt2' is not a supported LLaMA-family decoder", Rejects(folder).Message);
    }

    [Fact]
    public void Truncated_llama2c_checkpoint_is_rejected()
    {
        string file = dir.File("model.bin");
        var header = new[] { 64, 172, 5, 8, 4, 512, 512 }.SelectMany(BitConverter.GetBytes).ToArray();
        File.WriteAllBytes(file, [.. header, .. new byte[4000]]);
        var e = Assert.Throws<InvalidInputException>(() => Llama2cCheckpoint.Load(file, ScalarType.Float32, CPU));
        Assert.Contains(file, e.Message);
        Assert.Contains("truncated", e.Message);
    }

    [Theory]
    [InlineData("truncated")]
    [InlineData("not-json-config")]
    [InlineData("no-tokenizer")]
    [InlineData("no-such-path")]
    public void Cli_exits_with_code_2_and_one_line_without_a_stack_trace(string problem)
    {
        string folder = WriteValidFolder();
        File.WriteAllText(Path.Combine(folder, "tokenizer.json"), "{\"model\":{\"type\":\"BPE\",\"vocab\":{\"a\":0},\"merges\":[]}}");
        string modelArg = folder;
        switch (problem)
        {
            case "truncated":
                using (var s = File.OpenWrite(Path.Combine(folder, "model.safetensors")))
                {
                    s.SetLength(s.Length / 2);
                }
                break;
            case "not-json-config":
                File.WriteAllText(Path.Combine(folder, "config.json"), "nope");
                break;
            case "no-tokenizer":
                File.Delete(Path.Combine(folder, "tokenizer.json"));
                break;
            case "no-such-path":
                modelArg = Path.Combine(folder, "does-not-exist");
                break;
        }
        var output = new StringWriter();
        var error = new StringWriter();

        int code = CqilCommandLine.Run(["generate", "--model", modelArg, "--max-new-tokens", "2"], output, error);

        Assert.Equal(2, code);
        var lines = error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.StartsWith("error: ", lines[0]);
        Assert.Contains(problem == "no-such-path" ? modelArg : folder, lines[0]);
        Assert.DoesNotContain("   at ", error.ToString());
    }
}
