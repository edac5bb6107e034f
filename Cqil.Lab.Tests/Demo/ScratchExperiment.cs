using Cqil.Lab.Core;
using Cqil.Lab.Core.Demo;
using Cqil.Lab.Core.Tokenization;
using Cqil.Lab.Tests.Fixtures;
using static TorchSharp.torch;

namespace Cqil.Lab.Tests.Demo;

public sealed class ScratchExperiment
{
    private static double Env(string name, double fallback) => double.TryParse(Environment.GetEnvironmentVariable(name), System.Globalization.CultureInfo.InvariantCulture, out var v) ? v : fallback;

    [Fact]
    public void Experiment()
    {
        if (Environment.GetEnvironmentVariable("EXP") is null)
        {
            return;
        }
        set_num_threads((int)Env("THREADS", 2));
        using var folder = new TempDirectory();
        DemoTokenizerFiles.Write(folder.Path, 1);
        var tokenizer = TokenizerLoader.Load(folder.Path);
        var settings = new DemoTrainingSettings
        {
            Model = new DemoModelSpec { Layers = (int)Env("L", 4), Hidden = (int)Env("H", 128), Heads = (int)Env("HEADS", 4), Intermediate = (int)Env("FF", 3) * (int)Env("H", 128) },
            Steps = (int)Env("STEPS", 400),
            BatchSize = (int)Env("B", 16),
            PeakLearningRate = Env("LR", 3e-3),
            WarmupSteps = (int)Env("WARM", 50),
            EvaluateEvery = (int)Env("EVAL", 100),
            EvaluationItemsPerTask = (int)Env("EVALN", 64),
            ContextWeight = Env("CW", 0.05),
            MinEvents = (int)Env("MINEV", 0),
            CurriculumSteps = (int)Env("CURR", 300),
            CheckpointEvery = 0,
            ProbeRate = Env("PROBE", 0.5),
            WeightDecay = Env("WD", 0.1),
        };
        var heldOut = new HeldOutStories(1, 64, 64);
        var trainable = TrainableLlama.Create(settings.Model.Config(tokenizer.VocabSize), 1);
        using var log = File.AppendText(Environment.GetEnvironmentVariable("EXP")!);
        log.AutoFlush = true;
        log.WriteLine($"--- {settings}");
        log.WriteLine(StoryGenerator.Generate(new SplitMix64(3), 3, 6, settings.ProbeRate).Text);
        DemoTrainer.Train(trainable, tokenizer, heldOut, settings, null, new SynchronousProgress<DemoTrainingProgress>(p =>
        {
            if (p.Step % 50 == 0)
            {
                log.WriteLine($"step {p.Step} loss {p.Loss:F4} {p.TokensPerSecond:F0} tok/s {p.Elapsed:mm\\:ss}");
            }
            if (p.Evaluation is { } e)
            {
                using (no_grad())
                using (var sc = NewDisposeScope())
                {
                    var probeStories = new TrainingStories(99, tokenizer, heldOut, 0f, 1.0);
                    var batch = probeStories.NextBatch(64, 0, 10);
                    var (inp, tgt, w) = batch.ToTensors(CPU);
                    var pred = trainable.Model.Forward(inp).argmax(-1);
                    var mask = w.gt(0.5);
                    double acc = pred.eq(tgt).logical_and(mask).sum().item<long>() / (double)mask.sum().item<long>();
                    log.WriteLine($"  probe-answer argmax acc {acc:P1} over {mask.sum().item<long>()} answers");
                }
                log.WriteLine($"  eval {e.Step}: ppl {e.HeldOutPerplexity:F3} " + string.Join(" ", e.Accuracy.Select(a => $"{a.Key} {a.Value:P0}")));
            }
        }));
    }
}
