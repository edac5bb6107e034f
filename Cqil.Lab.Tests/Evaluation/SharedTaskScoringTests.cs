using Cqil.Lab.Core.Checkpoints;
using Cqil.Lab.Core.Evaluation;
using Cqil.Lab.Tests.Fixtures;

namespace Cqil.Lab.Tests.Evaluation;

/// <summary>
/// Every task on the real data with stories260K: each choice's log-likelihood from the evaluator equals the
/// straightforward computation (<see cref="Reference"/>: the test's own lm-eval tokenization, one full forward
/// of context + continuation, float64 log-softmax) to 1e-4, and acc / acc_norm follow from those numbers.
/// </summary>
public sealed class SharedTaskScoringTests
{
    private const string Model = "data/stories260K/stories260K.bin";

    public static TheoryData<string, string, int> MultipleChoiceTasks => new()
    {
        { "piqa", "data/piqa/valid.jsonl", 1838 },
        { "arc_easy", "data/arc/ARC-Easy-Test.jsonl", 2376 },
        { "arc_challenge", "data/arc/ARC-Challenge-Test.jsonl", 1172 },
        { "winogrande", "data/winogrande/dev.jsonl", 1267 },
        { "hellaswag", "data/hellaswag/hellaswag_val_full.txt", 10042 },
        { "boolq", "data/boolq/boolq_dev_v6_test.json", 3270 },
    };

    [SharedDataTheory(Model, "data/piqa", "data/arc", "data/winogrande", "data/hellaswag", "data/boolq")]
    [MemberData(nameof(MultipleChoiceTasks))]
    public void Multiple_choice_log_likelihoods_equal_a_straightforward_computation(string name, string data, int count)
    {
        using var loaded = CheckpointLoader.Load(SharedData.Stories260K);
        var task = TaskCatalog.Load(name, SharedData.Path(data));
        Assert.Equal(count, task.Items.Count);
        // Six items: the first three and three drawn with a seed from the rest of the file.
        var options = new EvaluationOptions { Limit = 6, LimitSeed = 5, Scoring = new ScoringOptions { BatchSize = 4 } };
        var run = TaskEvaluator.Run(loaded.Model, loaded.Tokenizer, task, options);
        var first = TaskEvaluator.Run(loaded.Model, loaded.Tokenizer, task, options with { Limit = 3, LimitSeed = null });
        var results = run.Items.Concat(first.Items).Cast<MultipleChoiceResult>().ToArray();
        int maxLength = loaded.Model.Config.MaxPositions;
        foreach (var result in results)
        {
            var item = (MultipleChoiceItem)task.Items[result.Index];
            var expected = item.Requests.Select(r =>
            {
                var (context, continuation) = Reference.Encode(loaded.Tokenizer, r.Context, r.Continuation);
                return Reference.Score(loaded.Model, context, continuation, maxLength).LogLikelihood;
            }).ToArray();
            for (int c = 0; c < expected.Length; c++)
            {
                Assert.True(Math.Abs(expected[c] - result.LogLikelihoods[c]) < 1e-4, $"{name} item {result.Index} choice {c}: {result.LogLikelihoods[c]} vs {expected[c]}");
            }
            int pred = Array.IndexOf(expected, expected.Max());
            var normalized = expected.Select((v, c) => v / item.Choices[c].Length).ToArray();
            int predNorm = Array.IndexOf(normalized, normalized.Max());
            Assert.Equal(pred == item.Gold, result.Acc);
            Assert.Equal(predNorm == item.Gold, result.AccNorm);
        }
        var acc = run.Result.Metric("acc");
        Assert.Equal(run.Items.Cast<MultipleChoiceResult>().Count(r => r.Acc) / 6.0, acc.Value, 1e-12);
        Assert.Equal(task.Metrics, run.Result.Metrics.Select(m => m.Name));
    }

    [SharedDataFact(Model, "data/lambada_openai/lambada_test.jsonl")]
    public void Lambada_target_log_likelihood_and_greedy_flag_equal_a_straightforward_computation()
    {
        using var loaded = CheckpointLoader.Load(SharedData.Stories260K);
        var task = LambadaReader.Read(SharedData.Path("data/lambada_openai/lambada_test.jsonl"));
        Assert.Equal(5153, task.Items.Count);
        var run = TaskEvaluator.Run(loaded.Model, loaded.Tokenizer, task, new EvaluationOptions { Limit = 8, LimitSeed = 3 });
        foreach (var result in run.Items.Cast<LastWordResult>())
        {
            var item = (LastWordItem)task.Items[result.Index];
            var (context, continuation) = Reference.Encode(loaded.Tokenizer, item.Context, item.Target);
            var (ll, greedy) = Reference.Score(loaded.Model, context, continuation, 512);
            Assert.True(Math.Abs(ll - result.LogLikelihood) < 1e-4, $"item {result.Index}: {result.LogLikelihood} vs {ll}");
            Assert.Equal(greedy, result.IsGreedy);
        }
        var lls = run.Items.Cast<LastWordResult>().Select(r => r.LogLikelihood).ToArray();
        Assert.Equal(Math.Exp(-lls.Average()), run.Result.Metric("perplexity").Value, 1e-9);
    }

    [SharedDataFact(Model, "data/wikitext-2-raw/wikitext-2-raw-v1-test.hf-rows-joined.crlf.txt")]
    public void WikiText_pages_and_rolling_log_likelihood_equal_a_straightforward_computation()
    {
        using var loaded = CheckpointLoader.Load(SharedData.Stories260K);
        var task = WikiTextReader.Read(SharedData.Path("data/wikitext-2-raw/wikitext-2-raw-v1-test.hf-rows-joined.crlf.txt"));
        Assert.Equal(62, task.Items.Count);
        var page = (PerplexityDocument)task.Items[0];
        string original = WikiPage(task, 0);
        Assert.StartsWith(" = Robert Boulter = \n \n Robert Boulter is an English film , television", original);
        Assert.Equal(System.Text.RegularExpressions.Regex.Split(original, @"\s+").Length, page.Words);
        Assert.StartsWith(" = Robert Boulter =\n\nRobert Boulter is an English film, television", page.Text);

        const int window = 64;
        var run = TaskEvaluator.Run(loaded.Model, loaded.Tokenizer, task, new EvaluationOptions { Limit = 2, Scoring = new ScoringOptions { MaxLength = window } });
        foreach (var result in run.Items.Cast<PerplexityResult>())
        {
            var doc = (PerplexityDocument)task.Items[result.Index];
            int[] x = loaded.Tokenizer.Encode(doc.Text, addBos: false);
            double expected = 0;
            int windows = 0;
            for (int s = 0; s < x.Length; s += window)
            {
                int[] chunk = x[s..Math.Min(x.Length, s + window)];
                int[] context = s == 0 ? [loaded.Tokenizer.EosIds[0]] : chunk.Length == window ? [x[s - 1]] : x[(x.Length - window - 1)..s];
                expected += Reference.Score(loaded.Model, context, chunk, window).LogLikelihood;
                windows++;
            }
            Assert.Equal(x.Length, result.Tokens);
            Assert.Equal(windows, result.Windows);
            Assert.True(Math.Abs(expected - result.LogLikelihood) < 1e-4 * windows, $"page {result.Index}: {result.LogLikelihood} vs {expected}");
            Assert.Equal(doc.Words, result.Words);
        }
        var docs = run.Items.Cast<PerplexityResult>().ToArray();
        Assert.Equal(Math.Exp(-docs.Sum(d => d.LogLikelihood) / docs.Sum(d => d.Words)), run.Result.Metric("word_perplexity").Value, 1e-9);
        Assert.Equal(-docs.Sum(d => d.LogLikelihood) / docs.Sum(d => d.Bytes) / Math.Log(2), run.Result.Metric("bits_per_byte").Value, 1e-12);
    }

    private static string WikiPage(EvalTask task, int index)
    {
        // The page as lm-eval counts it (before detokenization) is what Words/Bytes were computed from.
        var raw = WikiTextReader.SplitPages(WikiTextReader.RawFromRows(WikiTextReader.RowsFromJoined("x",
            File.ReadAllText(task.Sources[0].Path).Replace("\r\n", "\n"))));
        return raw[index];
    }

    [SharedDataFact("data/piqa/valid.jsonl", "data/piqa/valid-labels.lst")]
    public void Task_hash_is_the_sha256_of_the_data_files()
    {
        var task = PiqaReader.Read(SharedData.Path("data/piqa/valid.jsonl"));
        Assert.Equal("93503cc97c679e459b065c3d13e848282e44b2a25213985bed3e5d458abef72d", task.Sources[0].Sha256);
        Assert.Equal("b4192dc3a2a0363d9d60ccf79800cbbe2f32ebb17726efdde6970e0b8131bceb", task.Sources[1].Sha256);
        Assert.Equal(64, task.TaskHash.Length);
        var boolq = BoolQReader.Read(SharedData.Path("data/boolq/boolq_dev_v6_test.json"));
        Assert.Equal(2033, boolq.Items.Cast<MultipleChoiceItem>().Count(i => i.Gold == 1));
        Assert.Equal("4a8b7ffb5ce1edd4a003801b1a319ed6d0d93e95dc447031c823210c8f307170", boolq.TaskHash);
    }
}
