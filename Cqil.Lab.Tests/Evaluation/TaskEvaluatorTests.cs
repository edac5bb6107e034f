using System.Text.Json;
using Cqil.Lab.Core.Checkpoints;
using Cqil.Lab.Core.Evaluation;
using Cqil.Lab.Core.Model;
using Cqil.Lab.Tests.Fixtures;

namespace Cqil.Lab.Tests.Evaluation;

public sealed class TaskEvaluatorTests
{
    private const string Model = "data/stories260K/stories260K.bin";
    private const string Piqa = "data/piqa/valid.jsonl";

    [Fact]
    public void Limit_takes_the_first_items_or_a_seeded_subset_in_file_order()
    {
        var items = Enumerable.Range(0, 100).Select(i => (EvalItem)new LastWordItem(i, i.ToString(), "a", " b")).ToArray();
        Assert.Equal(Enumerable.Range(0, 7), ItemSelection.Select(items, 7, null).Select(i => i.Index));
        var a = ItemSelection.Select(items, 10, 42).Select(i => i.Index).ToArray();
        Assert.Equal(a, ItemSelection.Select(items, 10, 42).Select(i => i.Index));
        Assert.NotEqual(a, ItemSelection.Select(items, 10, 43).Select(i => i.Index));
        Assert.Equal(a.Order(), a);
        Assert.Equal(10, a.Distinct().Count());
        Assert.Equal(100, ItemSelection.Select(items, 500, 1).Count);
    }

    [SharedDataFact(Model, Piqa)]
    public void Result_json_records_identity_hashes_semantics_seeds_and_statistics()
    {
        using var loaded = CheckpointLoader.Load(SharedData.Stories260K);
        var task = PiqaReader.Read(SharedData.Path(Piqa));
        var progress = new List<EvaluationProgress>();
        var run = TaskEvaluator.Run(loaded.Model, loaded.Tokenizer, task, new EvaluationOptions { Limit = 20, LimitSeed = 9, Scoring = new ScoringOptions { BatchSize = 4 } },
            new SynchronousProgress<EvaluationProgress>(progress.Add));
        Assert.Equal(40, progress[^1].RequestsScored);
        Assert.Equal(40, progress[^1].RequestsTotal);
        Assert.True(progress.Count >= 5);

        using var dir = new TempDirectory();
        var result = run.Result with { ItemsPath = dir.File("run.items.jsonl") };
        result.Save(dir.File("run.json"));
        run.WriteItems(dir.File("run.items.jsonl"));
        using var doc = JsonDocument.Parse(File.ReadAllText(dir.File("run.json")));
        var root = doc.RootElement;
        Assert.Equal("lm-eval-harness 0.4.1", root.GetProperty("semantics").GetString());
        Assert.Equal("piqa", root.GetProperty("task").GetProperty("name").GetString());
        Assert.Equal(task.TaskHash, root.GetProperty("task").GetProperty("task_sha256").GetString());
        Assert.Equal(20, root.GetProperty("task").GetProperty("limit").GetInt32());
        Assert.Equal(9UL, root.GetProperty("task").GetProperty("limit_seed").GetUInt64());
        Assert.Equal(loaded.Model.Identity.Fingerprint, root.GetProperty("model").GetProperty("identity").GetProperty("fingerprint").GetString());
        Assert.Equal("baseline", root.GetProperty("model").GetProperty("runner").GetString());
        Assert.Equal("shared-prefix", root.GetProperty("scoring").GetProperty("mode").GetString());
        var acc = root.GetProperty("metrics").EnumerateArray().First(m => m.GetProperty("name").GetString() == "acc");
        Assert.Equal("wilson", acc.GetProperty("interval").GetString());
        Assert.True(acc.GetProperty("low").GetDouble() <= acc.GetProperty("value").GetDouble());

        var loadedBack = EvaluationResult.Load(dir.File("run.json"));
        Assert.Equal(result.Metrics, loadedBack.Metrics);
        var lines = File.ReadAllLines(dir.File("run.items.jsonl"));
        Assert.Equal(20, lines.Length);
        Assert.Equal(run.Items.Select(i => i.Index), lines.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("index").GetInt32()));
        var outcomes = ItemResultsFile.ReadOutcomes(dir.File("run.items.jsonl"), "acc");
        Assert.Equal(run.Items.Cast<MultipleChoiceResult>().Count(r => r.Acc), outcomes.Values.Count(v => v));
    }

    [SharedDataFact(Model, Piqa)]
    public void Shared_prefix_and_independent_scoring_give_the_same_per_item_results()
    {
        using var loaded = CheckpointLoader.Load(SharedData.Stories260K);
        var task = PiqaReader.Read(SharedData.Path(Piqa));
        var shared = TaskEvaluator.Run(loaded.Model, loaded.Tokenizer, task, new EvaluationOptions { Limit = 24 });
        var independent = TaskEvaluator.Run(loaded.Model, loaded.Tokenizer, task, new EvaluationOptions { Limit = 24, Scoring = new ScoringOptions { Mode = ScoringMode.Independent, BatchSize = 1 } });
        foreach (var (a, b) in shared.Items.Cast<MultipleChoiceResult>().Zip(independent.Items.Cast<MultipleChoiceResult>()))
        {
            Assert.Equal(a.Prediction, b.Prediction);
            Assert.Equal(a.PredictionNorm, b.PredictionNorm);
            Assert.True(a.LogLikelihoods.Zip(b.LogLikelihoods).All(p => Math.Abs(p.First - p.Second) < 1e-4));
        }
        // Sharing computes fewer positions than the same batching without it (padding counts on both sides).
        var batchedIndependent = TaskEvaluator.Run(loaded.Model, loaded.Tokenizer, task, new EvaluationOptions { Limit = 24, Scoring = new ScoringOptions { Mode = ScoringMode.Independent } });
        Assert.True(shared.Result.Scoring.TokensComputed < batchedIndependent.Result.Scoring.TokensComputed,
            $"{shared.Result.Scoring.TokensComputed} positions shared vs {batchedIndependent.Result.Scoring.TokensComputed} without sharing");
    }

    [SharedDataFact(Model, Piqa)]
    public void Cancellation_stops_a_run_between_batches()
    {
        using var loaded = CheckpointLoader.Load(SharedData.Stories260K);
        var task = PiqaReader.Read(SharedData.Path(Piqa));
        using var cts = new CancellationTokenSource();
        int reports = 0;
        var progress = new SynchronousProgress<EvaluationProgress>(_ => { reports++; cts.Cancel(); });
        Assert.Throws<OperationCanceledException>(() => TaskEvaluator.Run(loaded.Model, loaded.Tokenizer, task, new EvaluationOptions { Scoring = new ScoringOptions { BatchSize = 2 } }, progress, cts.Token));
        Assert.Equal(1, reports);
    }

    [Fact]
    public void Paired_comparison_of_two_runs_pairs_items_by_index()
    {
        var baseline = new Dictionary<int, bool> { [0] = true, [1] = true, [2] = false, [5] = true };
        var candidate = new Dictionary<int, bool> { [5] = false, [2] = true, [1] = true, [0] = true };
        var c = PairedComparison.Compare("acc", baseline, candidate);
        Assert.Equal(0.75, c.BaselineAccuracy);
        Assert.Equal(0.75, c.CandidateAccuracy);
        Assert.Equal((1, 1), (c.BaselineOnly, c.CandidateOnly));
        candidate.Remove(5);
        candidate[6] = true;
        Assert.Contains("did not score the same items", Assert.Throws<global::Cqil.Lab.Core.InvalidInputException>(() => PairedComparison.Compare("acc", baseline, candidate)).Message);
    }

    /// <summary>Progress&lt;T&gt; posts to the thread pool; tests want the callback inline.</summary>
    private sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
