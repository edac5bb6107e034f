using System.Text.Json;
using Cqil.Lab.Core.Checkpoints;
using Cqil.Lab.Core.Demo;
using Cqil.Lab.Core.Evaluation;
using Cqil.Lab.Core.Tokenization;
using Cqil.Lab.Tests.Fixtures;
using static TorchSharp.torch;

namespace Cqil.Lab.Tests.Demo;

/// <summary>
/// The committed models/demo: its files, its tasks, and its accuracy recomputed independently. (The target,
/// at least 90% on every task, is not met by the committed model yet; the README gives the measured numbers.)
/// </summary>
public sealed class CommittedDemoModelTests
{
    /// <summary>Items per task scored here: a fixed subset (the first ones), so the result is deterministic.</summary>
    private const int SubsetPerTask = 50;

    private static string DemoPath => DemoModelLocator.Find(SharedData.RepositoryRoot()!) ?? throw new InvalidOperationException("models/demo is missing from the repository");

    private static readonly DemoTrainingSettings Recipe = DemoTrainingSettings.Recipe;

    [DemoModelFact]
    public void The_folder_is_a_Hugging_Face_model_of_at_least_12_layers_within_25_MB()
    {
        var folder = new DemoFolder(DemoPath);
        var config = CheckpointLoader.ReadConfig(folder.Path);
        Assert.True(config.NumLayers >= 12, $"{config.NumLayers} layers");
        foreach (var name in new[] { "config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json", DemoFolder.HeldOutFileName, DemoFolder.ReadmeFileName, DemoFolder.ReportFileName })
        {
            Assert.True(File.Exists(Path.Combine(folder.Path, name)), $"{name} is missing");
        }
        long bytes = Directory.EnumerateFiles(folder.Path, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);
        Assert.True(bytes <= 25L * 1024 * 1024, $"the demo folder holds {bytes / 1e6:F1} MB");
        Assert.False(Directory.Exists(folder.CheckpointsFolder));
    }

    [DemoModelFact]
    public void Tasks_have_500_items_of_two_or_more_choices_and_are_what_the_seed_makes()
    {
        var folder = new DemoFolder(DemoPath);
        var tasks = folder.ReadTasks();
        Assert.Equal(StoryTasks.All, tasks.Keys.Order());
        var regenerated = new HeldOutStories(Recipe.Seed, Recipe.ItemsPerTask, Recipe.HeldOutTextStories);
        foreach (var (task, evalTask) in tasks)
        {
            var items = evalTask.Items.Cast<MultipleChoiceItem>().Select(i => new DemoTaskItem(i.Requests[0].Context, i.Choices, i.Gold, i.Id)).ToArray();
            Assert.True(items.Length >= 500, $"{StoryTasks.Name(task)} has {items.Length} items");
            Assert.All(items, i => Assert.True(i.Choices.Count >= 2 && i.Choices.Distinct().Count() == i.Choices.Count));
            Assert.True(items.Average(i => 1.0 / i.Choices.Count) <= 0.5);
            // Gold is not always in one position, so position alone cannot score above chance.
            Assert.InRange(items.Count(i => i.Gold == 0) / (double)items.Length, 0.4, 0.6);
            static (string, string, int, string) Key(DemoTaskItem i) => (i.Context, string.Join("|", i.Choices), i.Gold, i.Id);
            Assert.Equal(regenerated.Items[task].Select(Key), items.Select(Key));
        }
        Assert.Equal(regenerated.Text, File.ReadAllText(folder.HeldOutFile));
    }

    [DemoModelFact]
    public void Accuracy_recomputed_independently_matches_the_lab_evaluator_and_the_recorded_report()
    {
        var folder = new DemoFolder(DemoPath);
        using var loaded = CheckpointLoader.Load(folder.Path);
        var report = JsonDocument.Parse(File.ReadAllText(folder.ReportFile)).RootElement.GetProperty("report");
        foreach (var (task, evalTask) in folder.ReadTasks())
        {
            // A subset scored the straightforward way (one full forward per choice) agrees with the lab's evaluator.
            var subset = evalTask with { Items = evalTask.Items.Take(SubsetPerTask).ToArray() };
            var items = subset.Items.Cast<MultipleChoiceItem>().ToArray();
            int correct = items.Count(item => StraightforwardChoice(loaded, item) == item.Gold);
            Assert.Equal((double)correct / items.Length, TaskEvaluator.Run(loaded.Model, loaded.Tokenizer, subset).Result.Metric("acc").Value, 9);

            // The whole task rescored gives exactly the accuracy the report records (what the README quotes).
            var recorded = report.GetProperty("tasks").EnumerateArray().Single(t => t.GetProperty("task").GetString() == StoryTasks.Name(task));
            double whole = TaskEvaluator.Run(loaded.Model, loaded.Tokenizer, evalTask).Result.Metric("acc").Value;
            Assert.Equal(recorded.GetProperty("acc").GetDouble(), whole, 9);

            // The demo's target: at least 90% on every task (two choices, chance 50%), straightforward subset included.
            Assert.True(whole >= 0.9, $"{StoryTasks.Name(task)}: {whole:P1} on {evalTask.Items.Count} items, under the 90% target");
            Assert.True((double)correct / items.Length >= 0.9, $"{StoryTasks.Name(task)}: {correct} of {items.Length} straightforward");
        }
    }

    // One full forward per choice: the sum of log-softmax over the tokens of encode(context + " " + choice)
    // that follow the tokens of encode(context).
    private static int StraightforwardChoice(LoadedModel loaded, MultipleChoiceItem item)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var tokenizer = loaded.Tokenizer;
        string text = item.Requests[0].Context;
        int[] context = tokenizer.Encode(text, addBos: false);
        var scores = new double[item.Choices.Count];
        for (int c = 0; c < item.Choices.Count; c++)
        {
            int[] full = tokenizer.Encode(text + " " + item.Choices[c], addBos: false);
            Assert.Equal(context, full[..context.Length]);
            var ids = tensor(full.Select(i => (long)i).ToArray(), [1, full.Length]);
            var logProbs = loaded.Model.Forward(ids).log_softmax(-1)[0];
            for (int t = context.Length; t < full.Length; t++)
            {
                scores[c] += logProbs[t - 1, full[t]].item<float>();
            }
        }
        return Array.IndexOf(scores, scores.Max());
    }
}
