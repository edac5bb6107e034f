using System.Diagnostics;
using Cqil.Lab.Core.Checkpoints;
using Cqil.Lab.Core.Evaluation;
using Cqil.Lab.Core.Runtime;
using Cqil.Lab.Core.Tokenization;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Cqil.Lab.Core.Demo;

/// <summary>The outcome of a training run.</summary>
public sealed record DemoTrainingResult(int Steps, long Tokens, double FinalLoss, TimeSpan Elapsed, IReadOnlyList<DemoEvaluation> Evaluations, int HeldOutStoriesSkipped)
{
    public double TokensPerSecond => Elapsed.TotalSeconds > 0 ? Tokens / Elapsed.TotalSeconds : 0;
}

/// <summary>
/// Trains a <see cref="TrainableLlama"/> on the demo story stream with next-token cross-entropy: AdamW (no
/// decay on norm weights), linear warm-up and cosine decay, global gradient-norm clipping, periodic evaluation
/// on held-out stories, checkpoints as Hugging Face folders, progress after every step, and cancellation
/// between steps. Float32 throughout (TorchSharp has no autocast). Must run on one thread (the model's
/// device worker): dispose scopes and grad mode are per thread.
/// </summary>
public static class DemoTrainer
{
    /// <summary>Held-out stories used for the perplexity of periodic evaluations.</summary>
    private const int EvaluationStories = 64;

    /// <summary>
    /// glibc keeps pages libtorch frees; returning them now and then keeps RSS from creeping. Not every step:
    /// the next forward faults its activations' pages back in, which measured here made it 3x slower.
    /// </summary>
    private const int TrimEvery = 100;

    /// <param name="stream">Label of the training story stream (a second phase continues with fresh stories).</param>
    /// <param name="firstStep">Steps already trained in earlier phases, added to reported step numbers.</param>
    public static DemoTrainingResult Train(TrainableLlama trainable, TextTokenizer tokenizer, HeldOutStories heldOut, DemoTrainingSettings settings,
        string? checkpointFolder = null, IProgress<DemoTrainingProgress>? progress = null, CancellationToken cancellationToken = default,
        string stream = "training", int firstStep = 0)
    {
        settings.Validate();
        var model = trainable.Model;
        var stories = new TrainingStories(settings.Seed, tokenizer, heldOut, (float)settings.ContextWeight, settings.ProbeRate, stream);
        var schedule = new LearningRateSchedule(settings.PeakLearningRate, settings.WarmupSteps, settings.Steps, settings.FinalLearningRateFraction);
        using var optimizer = CreateOptimizer(trainable, settings);
        var parameters = trainable.All.ToArray();
        var evaluations = new List<DemoEvaluation>();
        var clock = Stopwatch.StartNew();
        long tokens = 0;
        double loss = double.NaN;
        string? lastCheckpoint = null;
        using var grad = enable_grad();
        for (int step = 0; step < settings.Steps; step++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var (minEvents, maxEvents) = StoryLengthAt(settings, step);
            var batch = stories.NextBatch(settings.BatchSize, minEvents, maxEvents);
            double rate = schedule.At(step);
            (loss, double gradientNorm) = Step(model, optimizer, parameters, batch, rate, settings.GradientClip);
            tokens += batch.RealTokens;
            if ((step + 1) % TrimEvery == 0)
            {
                NativeEnvironment.TrimNativeHeap();
            }
            if (double.IsNaN(loss) || double.IsInfinity(loss))
            {
                throw new InvalidOperationException($"training diverged at step {step + 1} (loss {loss}); lower the learning rate");
            }

            int done = step + 1;
            DemoEvaluation? evaluation = null;
            if ((settings.EvaluateEvery > 0 && done % settings.EvaluateEvery == 0) || done == settings.Steps)
            {
                evaluation = Evaluate(model, tokenizer, heldOut, settings.EvaluationItemsPerTask, firstStep + done, cancellationToken);
                evaluations.Add(evaluation);
            }
            if (checkpointFolder is not null && settings.CheckpointEvery > 0 && done % settings.CheckpointEvery == 0 && done < settings.Steps)
            {
                lastCheckpoint = SaveCheckpoint(trainable, tokenizer, checkpointFolder, firstStep + done, lastCheckpoint);
            }
            progress?.Report(new DemoTrainingProgress(firstStep + done, firstStep + settings.Steps, loss, rate, gradientNorm, tokens, clock.Elapsed, evaluation));
        }
        return new DemoTrainingResult(settings.Steps, tokens, loss, clock.Elapsed, evaluations, stories.Skipped);
    }

    /// <summary>AdamW as the demo recipe uses it: <paramref name="settings"/>' betas and weight decay, none on norm weights.</summary>
    public static DecoupledAdamW CreateOptimizer(TrainableLlama trainable, DemoTrainingSettings settings) => new(
        [new ParameterGroup(trainable.Decayed, settings.WeightDecay), new ParameterGroup(trainable.NotDecayed, 0)],
        settings.PeakLearningRate, settings.Beta1, settings.Beta2, eps: 1e-8);

    /// <summary>One optimizer step on <paramref name="batch"/> at learning rate <paramref name="rate"/>: the loss before the step and the gradient norm before clipping.</summary>
    public static (double Loss, double GradientNorm) Step(Model.LlamaModel model, DecoupledAdamW optimizer, Parameter[] parameters, TrainingBatch batch, double rate, double gradientClip)
    {
        using var scope = NewDisposeScope();
        optimizer.LearningRate = rate;
        optimizer.ZeroGrad();
        var (inputs, targets, weights) = batch.ToTensors(model.Device);
        var lossTensor = TrainingBatch.Loss(model.Forward(inputs), targets, weights);
        lossTensor.backward();
        double gradientNorm = nn.utils.clip_grad_norm_(parameters, gradientClip);
        optimizer.Step();
        return (lossTensor.item<float>(), gradientNorm);
    }

    /// <summary>The range of events in the training stories of 0-based <paramref name="step"/> (the curriculum).</summary>
    public static (int Min, int Max) StoryLengthAt(DemoTrainingSettings settings, int step)
    {
        if (step >= settings.CurriculumSteps)
        {
            return (settings.MinEvents, StoryGenerator.MaxEvents);
        }
        int max = (int)((long)StoryGenerator.MaxEvents * (step + 1) / settings.CurriculumSteps);
        return (Math.Min(settings.MinEvents, max), max);
    }

    public static DemoEvaluation Evaluate(Model.LlamaModel model, TextTokenizer tokenizer, HeldOutStories heldOut, int itemsPerTask, int step, CancellationToken cancellationToken = default)
    {
        using var noGrad = no_grad();
        double perplexity = HeldOutPerplexity.Compute(model, tokenizer, heldOut.TextStories.Take(EvaluationStories).Select(s => s.Text));
        var accuracy = new Dictionary<string, double>();
        if (itemsPerTask > 0)
        {
            foreach (var (task, items) in heldOut.Items)
            {
                var run = TaskEvaluator.Run(model, tokenizer, DemoTaskItem.ToEvalTask(task, items.Take(itemsPerTask).ToArray()), cancellationToken: cancellationToken);
                accuracy[StoryTasks.Name(task)] = run.Result.Metric("acc").Value;
            }
        }
        return new DemoEvaluation(step, perplexity, accuracy, itemsPerTask);
    }

    // A loadable folder (weights, config, tokenizer) per checkpoint; only the newest is kept.
    private static string SaveCheckpoint(TrainableLlama trainable, TextTokenizer tokenizer, string folder, int step, string? previous)
    {
        string path = Path.Combine(folder, $"step-{step:D5}");
        using (no_grad())
        {
            HuggingFaceCheckpointWriter.Save(trainable.Model, path);
        }
        string tokenizerFolder = Path.GetDirectoryName(Path.GetFullPath(tokenizer.Source))!;
        foreach (var name in new[] { "tokenizer.json", "tokenizer_config.json" })
        {
            File.Copy(Path.Combine(tokenizerFolder, name), Path.Combine(path, name), overwrite: true);
        }
        if (previous is not null && Directory.Exists(previous))
        {
            Directory.Delete(previous, recursive: true);
        }
        return path;
    }
}
