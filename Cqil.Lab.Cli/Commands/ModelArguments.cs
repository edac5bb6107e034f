using System.CommandLine;
using Cqil.Lab.Core.Checkpoints;
using Cqil.Lab.Core.Demo;
using Cqil.Lab.Core.Model;
using Cqil.Lab.Core.Runtime;

namespace Cqil.Lab.Cli.Commands;

/// <summary>The options every model-using command shares (--model, --tokenizer, --dtype, --device, --threads).</summary>
public sealed class ModelArguments
{
    public Option<string?> Model { get; } = new("--model") { Description = "Model: a Hugging Face folder (config.json + safetensors), a llama2.c .bin file, or (bench only) a random shape such as random:llama-7b or random:layers=12,hidden=512 (default: the repository's demo model, models/demo)" };
    public Option<string?> Tokenizer { get; } = new("--tokenizer") { Description = "Tokenizer file when it is not inside the model folder (tokenizer.json, tokenizer.model or llama2.c tokenizer.bin)" };
    public Option<string> Dtype { get; } = new("--dtype") { Description = "Compute dtype: f32 or bf16", DefaultValueFactory = _ => "f32" };
    public Option<string> Device { get; } = new("--device") { Description = "cpu, cuda or cuda:N", DefaultValueFactory = _ => "cpu" };
    public Option<int> Threads { get; } = new("--threads") { Description = "libtorch threads on CPU (default: all cores)", DefaultValueFactory = _ => Environment.ProcessorCount };

    public void AddTo(Command command)
    {
        command.Options.Add(Model);
        command.Options.Add(Tokenizer);
        command.Options.Add(Dtype);
        command.Options.Add(Device);
        command.Options.Add(Threads);
    }

    /// <summary>A worker thread for the chosen device (all tensor work runs there).</summary>
    public DeviceWorker StartWorker(ParseResult parse)
    {
        int threads = parse.GetValue(Threads);
        if (threads < 1)
        {
            throw new Core.InvalidInputException($"--threads must be at least 1, got {threads}");
        }
        return new DeviceWorker(TorchRuntime.ParseDevice(parse.GetValue(Device)!), threads, "cqil-device");
    }

    /// <summary>
    /// Loads the model and tokenizer on <paramref name="worker"/>'s thread; a dtype that is slow on this device is
    /// reported to <paramref name="warnings"/> (bf16 on a CPU without fast bf16 kernels).
    /// </summary>
    public LoadedModel Load(ParseResult parse, DeviceWorker worker, TextWriter? warnings = null)
    {
        var dtype = ModelDtype.Parse(parse.GetValue(Dtype)!);
        WarnAboutDtype(dtype, worker, warnings);
        if (RandomModelSpec.IsRandom(parse.GetValue(Model)))
        {
            throw new Core.InvalidInputException($"model '{parse.GetValue(Model)}': a random model has no tokenizer; only `cqil bench` takes one");
        }
        string path = ModelPath(parse);
        return worker.Run(() => CheckpointLoader.Load(path, parse.GetValue(Tokenizer), dtype, worker.Device));
    }

    /// <summary>Loads only the model (latency needs no tokenizer): a checkpoint, or a random:… shape drawn on the device.</summary>
    public LlamaModel LoadModel(ParseResult parse, DeviceWorker worker, TextWriter? warnings = null)
    {
        if (parse.GetValue(Model) is { } text && RandomModelSpec.IsRandom(text))
        {
            var spec = RandomModelSpec.Parse(text);
            var dtype = ModelDtype.Parse(parse.GetValue(Dtype)!);
            WarnAboutDtype(dtype, worker, warnings);
            return worker.Run(() => RandomModel.Create(spec.Config, spec.Seed, dtype, worker.Device, name: spec.Text));
        }
        return Load(parse, worker, warnings).Model;
    }

    private static void WarnAboutDtype(TorchSharp.torch.ScalarType dtype, DeviceWorker worker, TextWriter? warnings)
    {
        if (warnings is not null && worker.Run(() => Bf16Performance.Warning(dtype, worker.Device)) is { } warning)
        {
            warnings.WriteLine("warning: " + warning);
        }
    }

    /// <summary>The --model path, or the demo model when none is given.</summary>
    public string ModelPath(ParseResult parse) => parse.GetValue(Model) ?? DemoModelLocator.Require();
}
