using System.Text.Json;
using System.Text.Json.Serialization;
using Cqil.Lab.Core.Analysis;
using Cqil.Lab.Core.Cqil;
using Cqil.Lab.Core.Cqil.Execution;
using Cqil.Lab.Core.Evaluation;
using Cqil.Lab.Core.Model;
using Cqil.Lab.Core.Tokenization;

namespace Cqil.Lab.Core.Demo;

/// <summary>Accuracy on one task, for the unchanged model and under the demo's CQIL plan (null without one).</summary>
public sealed record DemoTaskResult(
    [property: JsonPropertyName("task")] string Task,
    [property: JsonPropertyName("items")] int Items,
    [property: JsonPropertyName("chance")] double Chance,
    [property: JsonPropertyName("acc")] double Accuracy,
    [property: JsonPropertyName("acc_norm")] double NormalizedAccuracy,
    [property: JsonPropertyName("plan_acc")] double? PlanAccuracy);

/// <summary>
/// What the demo model achieves, measured on its held-out data: task accuracy (baseline and a P=2 plan over
/// the middle third, reference mode), held-out perplexity and the similarity of adjacent layer inputs.
/// </summary>
public sealed record DemoModelReport
{
    [JsonPropertyName("model")] public required string Model { get; init; }
    [JsonPropertyName("parameters")] public required long Parameters { get; init; }
    [JsonPropertyName("heldout_perplexity")] public required double HeldOutPerplexity { get; init; }
    [JsonPropertyName("heldout_stories")] public required int HeldOutStories { get; init; }
    /// <summary>The P=2 middle-third plan, or null for models under 3 layers (shallow experiments), which have none.</summary>
    [JsonPropertyName("plan")] public required string? Plan { get; init; }
    [JsonPropertyName("tasks")] public required IReadOnlyList<DemoTaskResult> Tasks { get; init; }

    /// <summary>Token-mean cosine of x_ℓ and x_{ℓ+1} on the held-out text, ℓ = 0 … L−2.</summary>
    [JsonPropertyName("adjacent_cosine")] public required IReadOnlyList<double> AdjacentCosine { get; init; }

    [JsonPropertyName("similarity_samples")] public required int SimilaritySamples { get; init; }
    [JsonPropertyName("measure_seconds")] public double MeasureSeconds { get; init; }

    public string ToJson() => JsonSerializer.Serialize(this, new JsonSerializerOptions { WriteIndented = true });

    /// <summary>Measures a model on the task files and held-out text of a demo folder.</summary>
    public static DemoModelReport Measure(LlamaModel model, TextTokenizer tokenizer, IReadOnlyDictionary<StoryTask, EvalTask> tasks,
        string heldOutText, IProgress<string>? progress = null, CancellationToken cancellationToken = default)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var plan = model.Config.NumLayers >= DemoPlans.FewestLayers ? DemoPlans.MiddleThirdPairs(model.Config.NumLayers) : null;
        using var planned = plan is null ? null : PlanExecutors.Create(model, plan, ExecutionMode.Reference);
        var results = new List<DemoTaskResult>();
        foreach (var (task, items) in tasks)
        {
            progress?.Report($"scoring {StoryTasks.Name(task)} ({items.Items.Count} items, baseline{(plan is null ? "" : " and " + plan.Describe())})");
            var baseline = TaskEvaluator.Run(model, tokenizer, items, cancellationToken: cancellationToken).Result;
            var grouped = planned is null ? null : TaskEvaluator.Run(planned, tokenizer, items, cancellationToken: cancellationToken).Result;
            double chance = items.Items.Cast<MultipleChoiceItem>().Average(i => 1.0 / i.Choices.Count);
            results.Add(new DemoTaskResult(StoryTasks.Name(task), items.Items.Count, chance,
                baseline.Metric("acc").Value, baseline.Metric("acc_norm").Value, grouped?.Metric("acc").Value));
        }

        var stories = heldOutText.Split("\n\n", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        progress?.Report($"held-out perplexity ({stories.Length} stories)");
        double perplexity = Demo.HeldOutPerplexity.Compute(model, tokenizer, stories);

        progress?.Report("similarity of layer inputs on the held-out text");
        var data = CalibrationSet.FromText(heldOutText, "file:heldout.txt", tokenizer, DemoModelSpec.MaxPositions, maxSamples: 64);
        var analysis = SimilarityAnalyzer.Run(model, data, new AnalysisSettings(), cancellationToken: cancellationToken);

        return new DemoModelReport
        {
            Model = model.Identity.Name,
            Parameters = model.Config.ParameterCount,
            HeldOutPerplexity = perplexity,
            HeldOutStories = stories.Length,
            Plan = plan?.Describe(),
            Tasks = results,
            AdjacentCosine = analysis.Cosine.Adjacent(),
            SimilaritySamples = analysis.Data.Samples,
            MeasureSeconds = clock.Elapsed.TotalSeconds,
        };
    }
}
