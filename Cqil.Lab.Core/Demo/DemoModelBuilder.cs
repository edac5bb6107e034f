using System.Diagnostics;
using Cqil.Lab.Core.Checkpoints;
using Cqil.Lab.Core.Runtime;
using Cqil.Lab.Core.Tokenization;

namespace Cqil.Lab.Core.Demo;

/// <summary>What a demo build produced and how long each part took.</summary>
public sealed record DemoBuildResult(DemoTrainingResult Training, DemoModelReport Report, TimeSpan Total);

/// <summary>
/// Makes the demo model folder from a seed, start to end: tokenizer files, held-out task items and text,
/// training, the model (Hugging Face layout), a measured report and a README. Everything but the timings is
/// a function of the seed and settings. Must run on the device worker's thread.
/// </summary>
public static class DemoModelBuilder
{
    public static DemoBuildResult Build(string outFolder, DemoTrainingSettings settings, int threads,
        IProgress<DemoTrainingProgress>? training = null, IProgress<string>? log = null, CancellationToken cancellationToken = default)
    {
        settings.Validate();
        var clock = Stopwatch.StartNew();
        var folder = new DemoFolder(outFolder);
        EnsureWritable(folder.Path);

        log?.Report("tokenizer");
        DemoTokenizerFiles.Write(folder.Path, settings.Seed);
        var tokenizer = TokenizerLoader.Load(folder.TokenizerFile);

        log?.Report($"held-out stories: {settings.ItemsPerTask} items per task, {settings.HeldOutTextStories} stories of text");
        var heldOut = new HeldOutStories(settings.Seed, settings.ItemsPerTask, settings.HeldOutTextStories);
        Directory.CreateDirectory(folder.TasksFolder);
        foreach (var (task, items) in heldOut.Items)
        {
            DemoTaskItem.WriteJsonl(folder.TaskFile(task), items);
        }
        File.WriteAllText(folder.HeldOutFile, heldOut.Text);

        var config = settings.Model.Config(tokenizer.VocabSize);
        log?.Report($"training: {config.NumLayers} layers, hidden {config.HiddenSize}, {config.ParameterCount:N0} parameters, {settings.Steps} steps of {settings.BatchSize} stories");
        var (trained, trainable) = settings.GrowFromLayers > 0
            ? TrainGrowing(tokenizer, heldOut, settings, folder, training, log, cancellationToken)
            : TrainFullDepth(tokenizer, heldOut, settings, folder, training, cancellationToken);
        using (trainable.Model)
        {
            using (TorchSharp.torch.no_grad())
            {
                HuggingFaceCheckpointWriter.Save(trainable.Model, folder.Path);
            }
        }
        if (Directory.Exists(folder.CheckpointsFolder))
        {
            Directory.Delete(folder.CheckpointsFolder, recursive: true);
        }
        NativeEnvironment.TrimNativeHeap();

        log?.Report("measuring the saved model");
        DemoModelReport report;
        using (var loaded = CheckpointLoader.Load(folder.Path))
        {
            report = DemoModelReport.Measure(loaded.Model, loaded.Tokenizer, folder.ReadTasks(), File.ReadAllText(folder.HeldOutFile), log, cancellationToken);
        }
        var result = new DemoBuildResult(trained, report, clock.Elapsed);
        File.WriteAllText(folder.ReportFile, BuildRecord(result, settings, threads));
        File.WriteAllText(folder.ReadmeFile, DemoReadme.Write(result, settings, threads));
        return result;
    }

    private static (DemoTrainingResult, TrainableLlama) TrainFullDepth(TextTokenizer tokenizer, HeldOutStories heldOut, DemoTrainingSettings settings,
        DemoFolder folder, IProgress<DemoTrainingProgress>? training, CancellationToken cancellationToken)
    {
        var trainable = TrainableLlama.Create(settings.Model.Config(tokenizer.VocabSize), (long)settings.Seed, "demo", settings.QueryKeyInitScale);
        return (DemoTrainer.Train(trainable, tokenizer, heldOut, settings, folder.CheckpointsFolder, training, cancellationToken), trainable);
    }

    // The shallow model learns first (its steps are several times cheaper), then grows to full depth by
    // inserting identity layers and the whole stack trains on fresh stories.
    private static (DemoTrainingResult, TrainableLlama) TrainGrowing(TextTokenizer tokenizer, HeldOutStories heldOut, DemoTrainingSettings settings,
        DemoFolder folder, IProgress<DemoTrainingProgress>? training, IProgress<string>? log, CancellationToken cancellationToken)
    {
        var shallowSettings = settings with { Model = settings.Model with { Layers = settings.GrowFromLayers }, Steps = settings.ShallowSteps, GrowFromLayers = 0, ShallowSteps = 0 };
        var shallow = TrainableLlama.Create(shallowSettings.Model.Config(tokenizer.VocabSize), (long)settings.Seed, "demo", settings.QueryKeyInitScale);
        DemoTrainingResult first;
        TrainableLlama deep;
        using (shallow.Model)
        {
            first = DemoTrainer.Train(shallow, tokenizer, heldOut, shallowSettings, folder.CheckpointsFolder, training, cancellationToken);
            log?.Report($"growing {settings.GrowFromLayers} layers to {settings.Model.Layers}");
            deep = TrainableLlama.Grow(shallow, settings.Model.Layers, (long)settings.Seed + 1);
        }
        var deepSettings = settings with { Steps = settings.Steps - settings.ShallowSteps, CurriculumSteps = 0, PeakLearningRate = settings.GrownPeakLearningRate, GrowFromLayers = 0, ShallowSteps = 0 };
        var second = DemoTrainer.Train(deep, tokenizer, heldOut, deepSettings, folder.CheckpointsFolder, training, cancellationToken, "training/grown", settings.ShallowSteps);
        return (new DemoTrainingResult(settings.Steps, first.Tokens + second.Tokens, second.FinalLoss, first.Elapsed + second.Elapsed,
            [.. first.Evaluations, .. second.Evaluations], first.HeldOutStoriesSkipped + second.HeldOutStoriesSkipped), deep);
    }

    private static string BuildRecord(DemoBuildResult result, DemoTrainingSettings settings, int threads)
    {
        var record = new System.Text.Json.Nodes.JsonObject
        {
            ["schema"] = "cqil-lab/demo-build",
            ["seed"] = settings.Seed,
            ["settings"] = System.Text.Json.JsonSerializer.SerializeToNode(settings),
            ["machine"] = $"{Environment.ProcessorCount} cores, {threads} threads, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}",
            ["total_seconds"] = Math.Round(result.Total.TotalSeconds, 1),
            ["training"] = new System.Text.Json.Nodes.JsonObject
            {
                ["steps"] = result.Training.Steps,
                ["tokens"] = result.Training.Tokens,
                ["seconds"] = Math.Round(result.Training.Elapsed.TotalSeconds, 1),
                ["tokens_per_second"] = Math.Round(result.Training.TokensPerSecond),
                ["final_loss"] = Math.Round(result.Training.FinalLoss, 4),
                ["heldout_stories_skipped"] = result.Training.HeldOutStoriesSkipped,
                ["evaluations"] = System.Text.Json.JsonSerializer.SerializeToNode(result.Training.Evaluations),
            },
            ["report"] = System.Text.Json.Nodes.JsonNode.Parse(result.Report.ToJson()),
        };
        return record.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true });
    }

    /// <summary>One clear line when the output folder cannot be created or written.</summary>
    private static void EnsureWritable(string path)
    {
        try
        {
            Directory.CreateDirectory(path);
            string probe = Path.Combine(path, ".cqil-write-test");
            File.WriteAllText(probe, "");
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            throw InvalidInputException.ForFile(path, "cannot write the demo model there: " + e.Message, e);
        }
    }
}
