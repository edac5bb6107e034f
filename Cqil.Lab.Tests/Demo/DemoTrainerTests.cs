using Cqil.Lab.Core;
using Cqil.Lab.Core.Checkpoints;
using Cqil.Lab.Core.Demo;
using Cqil.Lab.Core.Tokenization;
using Cqil.Lab.Tests.Fixtures;
using static TorchSharp.torch;

namespace Cqil.Lab.Tests.Demo;

public sealed class DemoTrainerTests : IDisposable
{
    private static readonly DemoTrainingSettings TwoLayers = new()
    {
        Seed = 3,
        Model = new DemoModelSpec { Layers = 2, Hidden = 32, Heads = 2, Intermediate = 64 },
        Steps = 12,
        BatchSize = 6,
        PeakLearningRate = 1e-2,
        WarmupSteps = 2,
        EvaluateEvery = 0,
        EvaluationItemsPerTask = 4,
        CheckpointEvery = 0,
        CurriculumSteps = 4,
    };

    private readonly TempDirectory folder = new();
    private readonly TextTokenizer tokenizer;
    private readonly HeldOutStories heldOut = new(3, itemsPerTask: 4, textStories: 4);

    public DemoTrainerTests()
    {
        DemoTokenizerFiles.Write(folder.Path, 3);
        tokenizer = TokenizerLoader.Load(folder.Path);
    }

    public void Dispose() => folder.Dispose();

    private (TrainableLlama Model, List<DemoTrainingProgress> Steps, DemoTrainingResult Result) Train(DemoTrainingSettings settings, string? checkpoints = null, CancellationToken cancel = default)
    {
        var model = TrainableLlama.Create(settings.Model.Config(tokenizer.VocabSize), (long)settings.Seed);
        var steps = new List<DemoTrainingProgress>();
        var result = DemoTrainer.Train(model, tokenizer, heldOut, settings, checkpoints, new SynchronousProgress<DemoTrainingProgress>(steps.Add), cancel);
        return (model, steps, result);
    }

    [Fact]
    public void A_two_layer_model_learns_and_the_same_seed_gives_bitwise_the_same_weights()
    {
        var (first, steps, result) = Train(TwoLayers);
        var (second, _, _) = Train(TwoLayers);
        using (first.Model)
        using (second.Model)
        {
            Assert.Equal(TwoLayers.Steps, steps.Count);
            Assert.True(steps[^1].Loss < steps[0].Loss - 1.0, $"loss went from {steps[0].Loss:F3} to {steps[^1].Loss:F3}");
            Assert.True(result.Tokens > 0 && steps.All(s => s.GradientNorm > 0));
            Assert.Single(result.Evaluations);

            var a = first.All.ToArray();
            var b = second.All.ToArray();
            Assert.Equal(a.Length, b.Length);
            for (int i = 0; i < a.Length; i++)
            {
                Assert.True(a[i].eq(b[i]).all().item<bool>(), $"parameter {i} differs between two runs with the same seed");
            }
            // The weights did move from their initialization.
            using var fresh = TrainableLlama.Create(TwoLayers.Model.Config(tokenizer.VocabSize), (long)TwoLayers.Seed).Model;
            Assert.False(fresh.Layers[0].Weights.Qkv.eq(first.Model.Layers[0].Weights.Qkv).all().item<bool>());
        }
    }

    [Fact]
    public void Warm_up_then_cosine_decay_to_the_floor()
    {
        var schedule = new LearningRateSchedule(1e-3, WarmupSteps: 10, TotalSteps: 110, FinalFraction: 0.1);
        Assert.Equal(1e-4, schedule.At(0), 12);
        Assert.Equal(1e-3, schedule.At(9), 12);
        Assert.Equal(1e-3, schedule.At(10), 12);
        Assert.True(schedule.At(60) < schedule.At(30));
        Assert.Equal(1e-4, schedule.At(109), 12);
    }

    [Fact]
    public void Checkpoints_are_loadable_folders_and_only_the_newest_is_kept()
    {
        string checkpoints = folder.File("checkpoints");
        var (model, _, _) = Train(TwoLayers with { Steps = 7, CheckpointEvery = 3 }, checkpoints);
        model.Model.Dispose();

        Assert.Equal(["step-00006"], Directory.GetDirectories(checkpoints).Select(Path.GetFileName));
        using var loaded = CheckpointLoader.Load(Path.Combine(checkpoints, "step-00006"));
        Assert.Equal(2, loaded.Model.Config.NumLayers);
        Assert.Equal(tokenizer.VocabSize, loaded.Tokenizer.VocabSize);
    }

    [Fact]
    public void Evaluations_are_reported_and_cancellation_stops_between_steps()
    {
        using var cancel = new CancellationTokenSource();
        var model = TrainableLlama.Create(TwoLayers.Model.Config(tokenizer.VocabSize), 1);
        using (model.Model)
        {
            var seen = new List<DemoTrainingProgress>();
            var progress = new SynchronousProgress<DemoTrainingProgress>(p =>
            {
                seen.Add(p);
                if (p.Step == 2)
                {
                    cancel.Cancel();
                }
            });
            Assert.Throws<OperationCanceledException>(() =>
                DemoTrainer.Train(model, tokenizer, heldOut, TwoLayers with { EvaluateEvery = 2 }, null, progress, cancel.Token));
            Assert.Equal(2, seen.Count);
            var evaluation = seen[^1].Evaluation!;
            Assert.Equal(StoryTasks.All.Select(StoryTasks.Name).Order(), evaluation.Accuracy.Keys.Order());
            Assert.True(evaluation.HeldOutPerplexity > 1);
        }
    }

    [Fact]
    public void Training_skips_held_out_stories()
    {
        var trainingRandom = SplitMix64.Derive(3, "training");
        var first = StoryGenerator.Generate(trainingRandom);
        var second = StoryGenerator.Generate(trainingRandom);
        var reserved = new HeldOutStories(3, itemsPerTask: 1, textStories: 1);
        reserved.Reserve(first);

        var stream = new TrainingStories(3, tokenizer, reserved);
        Assert.Equal([.. tokenizer.Encode(second.Text, addBos: false), 2], stream.NextStory());
        Assert.Equal(1, stream.Skipped);
    }

    [Fact]
    public void Answers_weigh_one_and_every_other_token_the_context_weight()
    {
        var stream = new TrainingStories(3, tokenizer, heldOut, contextWeight: 0.25f);
        var batch = stream.NextBatch(4);
        int answers = 0;
        for (int i = 0; i < batch.Targets.Length; i++)
        {
            if (batch.Targets[i] == TrainingBatch.Ignored)
            {
                Assert.Equal(0, batch.Weights[i]);
                continue;
            }
            Assert.True(batch.Weights[i] is 1 or 0.25f);
            if (batch.Weights[i] == 1)
            {
                answers++;
                // The input is a question's subject ("where Ben"): the token before it is a question word.
                Assert.Contains(tokenizer.Decode([(int)batch.Inputs[i - 1]]).Trim(), StoryLexicon.QuestionWords);
            }
        }
        Assert.Equal(4 * StoryTasks.All.Length, answers);
    }

    [Fact]
    public void The_curriculum_grows_stories_from_no_events_to_full_length()
    {
        var settings = new DemoTrainingSettings { CurriculumSteps = 100, MinEvents = 2 };
        Assert.Equal((0, 0), DemoTrainer.StoryLengthAt(settings, 0));
        Assert.Equal((2, 5), DemoTrainer.StoryLengthAt(settings, 49));
        Assert.Equal((2, StoryGenerator.MaxEvents), DemoTrainer.StoryLengthAt(settings, 99));
        Assert.Equal((2, StoryGenerator.MaxEvents), DemoTrainer.StoryLengthAt(settings, 500));
    }
}
