using Cqil.Lab.Core;
using Cqil.Lab.Core.Checkpoints;
using Cqil.Lab.Core.Evaluation;
using Cqil.Lab.Tests.Fixtures;

namespace Cqil.Lab.Tests.Evaluation;

public sealed class FewShotContextTests
{
    private static MultipleChoiceItem Arc(int index, string question, string[] choices, int gold) =>
        MultipleChoiceItem.SharedContext(index, $"q{index}", LmEvalPrompts.Arc(question), choices, gold);

    private static EvalTask Task(IReadOnlyList<EvalItem> items) => new("test", TaskKind.MultipleChoice, "test", [], items, ["acc"]);

    [Fact]
    public void One_shot_puts_the_other_item_solved_and_a_blank_line_before_the_question()
    {
        var first = Arc(0, "What melts ice?", ["heat", "cold"], 0);
        var second = Arc(1, "Which is a planet?", ["Moon", "Mars"], 1);

        var shot = FewShotContext.Apply(first, [first, second], 1, FewShotContext.DefaultSeed);

        Assert.Equal("Question: Which is a planet?\nAnswer: Mars\n\nQuestion: What melts ice?\nAnswer:", shot.Requests[0].Context);
        Assert.Equal(shot.Requests[0].Context, shot.Requests[1].Context);
        Assert.Equal([" heat", " cold"], shot.Requests.Select(r => r.Continuation));
        Assert.Equal(first.Choices, shot.Choices); // acc_norm still measures the choices alone
        Assert.Equal(0, shot.Gold);
    }

    [Fact]
    public void WinoGrande_examples_are_their_gold_sentence_and_every_partial_context_gets_them()
    {
        static MultipleChoiceItem Wino(int index, string sentence, string a, string b, int gold)
        {
            var (contexts, continuation) = LmEvalPrompts.WinoGrande(sentence, a, b);
            return new MultipleChoiceItem(index, $"w{index}", contexts.Select(c => new LoglikelihoodRequest(c, continuation)).ToArray(), [a, b], gold);
        }
        var item = Wino(0, "Ann gave Bo a gift because _ was kind.", "Ann", "Bo", 0);
        var example = Wino(1, "The cup broke the vase since _ was harder.", "cup", "vase", 0);

        var shot = FewShotContext.Apply(item, [item, example], 1, 7);

        Assert.Equal(["The cup broke the vase since cup was harder.\n\nAnn gave Bo a gift because Ann", "The cup broke the vase since cup was harder.\n\nAnn gave Bo a gift because Bo"],
            shot.Requests.Select(r => r.Context));
        Assert.All(shot.Requests, r => Assert.Equal(" was kind.", r.Continuation));
    }

    [Fact]
    public void Examples_are_other_items_fixed_by_seed_and_item_and_differ_between_seeds()
    {
        var pool = Enumerable.Range(0, 40).Select(i => (EvalItem)Arc(i, $"question {i}?", ["yes", "no"], i % 2)).ToArray();
        string Prefix(int index, ulong seed)
        {
            var shot = FewShotContext.Apply((MultipleChoiceItem)pool[index], pool, 3, seed);
            return shot.Requests[0].Context[..^((MultipleChoiceItem)pool[index]).Requests[0].Context.Length];
        }
        for (int i = 0; i < pool.Length; i++)
        {
            var prefix = Prefix(i, 1234);
            Assert.Equal(3, prefix.Split("\n\n", StringSplitOptions.RemoveEmptyEntries).Length);
            Assert.DoesNotContain($"question {i}?\n", prefix);
            Assert.Equal(3, prefix.Split("\n\n", StringSplitOptions.RemoveEmptyEntries).Distinct().Count());
            Assert.Equal(prefix, Prefix(i, 1234));
        }
        Assert.Contains(Enumerable.Range(0, pool.Length), i => Prefix(i, 1234) != Prefix(i, 99));
        Assert.Contains(Enumerable.Range(1, pool.Length - 1), i => Prefix(i, 1234) != Prefix(0, 1234));
    }

    [Fact]
    public void Tasks_that_cannot_take_examples_are_rejected_with_a_reason()
    {
        var lambada = Task([new LastWordItem(0, "0", "a b", " c"), new LastWordItem(1, "1", "d e", " f")]);
        Assert.Contains("multiple-choice", Assert.Throws<InvalidInputException>(() => FewShotContext.Validate(lambada, 1)).Message);
        var small = Task([Arc(0, "a?", ["x", "y"], 0), Arc(1, "b?", ["x", "y"], 1)]);
        Assert.Contains("needs more than 2 items", Assert.Throws<InvalidInputException>(() => FewShotContext.Validate(small, 2)).Message);
        FewShotContext.Validate(small, 1);
        Assert.Throws<InvalidInputException>(() => new EvaluationOptions { NumFewShot = -1 }.Validate());
    }

    [SharedDataFact("data/stories260K/stories260K.bin", "data/arc/ARC-Easy-Test.jsonl")]
    public void A_few_shot_run_scores_the_written_out_prompts_and_records_its_settings()
    {
        using var loaded = CheckpointLoader.Load(SharedData.Stories260K);
        var task = TaskCatalog.Find("arc_easy").Read(SharedData.Path("data/arc/ARC-Easy-Test.jsonl"));
        var options = new EvaluationOptions { Limit = 6, NumFewShot = 2, FewShotSeed = 5 };
        var run = TaskEvaluator.Run(loaded.Model, loaded.Tokenizer, task, options);

        Assert.Equal(2, run.Result.Task.NumFewShot);
        Assert.Equal(5UL, run.Result.Task.FewShotSeed);
        var taskJson = System.Text.Json.JsonDocument.Parse(run.Result.ToJson()).RootElement.GetProperty("task");
        Assert.Equal(2, taskJson.GetProperty("num_fewshot").GetInt32()); // lm-eval's names
        Assert.Equal(5UL, taskJson.GetProperty("fewshot_seed").GetUInt64());
        // Each choice's log-likelihood is that of its written-out few-shot prompt, scored on its own.
        var encoder = new RequestEncoder(loaded.Tokenizer);
        var scorer = new LoglikelihoodScorer(loaded.Model, new ScoringOptions { Mode = ScoringMode.Independent });
        foreach (var (item, result) in ItemSelection.Select(task.Items, 6, null).Zip(run.Items))
        {
            var prompted = FewShotContext.Apply((MultipleChoiceItem)item, task.Items, 2, 5);
            Assert.StartsWith("Question: ", prompted.Requests[0].Context);
            Assert.Equal(2, prompted.Requests[0].Context.Split("\n\n").Length - 1);
            var expected = scorer.Score([prompted.Requests.Select(encoder.Encode).ToArray()])[0];
            var scores = ((MultipleChoiceResult)result).LogLikelihoods;
            for (int c = 0; c < expected.Length; c++)
            {
                Assert.Equal(expected[c].LogLikelihood, scores[c], 1e-4);
            }
        }
        var zeroShot = TaskEvaluator.Run(loaded.Model, loaded.Tokenizer, task, options with { NumFewShot = 0 });
        Assert.NotEqual(((MultipleChoiceResult)zeroShot.Items[0]).LogLikelihoods, ((MultipleChoiceResult)run.Items[0]).LogLikelihoods);
        Assert.Null(zeroShot.Result.Task.FewShotSeed);
    }
}
