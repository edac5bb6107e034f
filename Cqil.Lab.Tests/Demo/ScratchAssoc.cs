using Cqil.Lab.Core;
using Cqil.Lab.Core.Demo;
using static TorchSharp.torch;

namespace Cqil.Lab.Tests.Demo;

public sealed class ScratchAssoc
{
    [Fact]
    public void Assoc()
    {
        if (Environment.GetEnvironmentVariable("ASSOC") is not { } logPath)
        {
            return;
        }
        set_num_threads(1);
        int layers = int.Parse(Environment.GetEnvironmentVariable("L") ?? "2");
        double lr = double.Parse(Environment.GetEnvironmentVariable("LR") ?? "1e-3");
        var config = new DemoModelSpec { Layers = layers, Hidden = 64, Heads = 4, Intermediate = 192 }.Config(64);
        var trainable = TrainableLlama.Create(config, 1);
        using var optimizer = optim.AdamW(trainable.All.ToArray(), lr: lr, weight_decay: 0.0);
        var random = new SplitMix64(1);
        using var grad = enable_grad();
        int pairs = 6, rows = 32, width = 2 * pairs + 2 * pairs;
        for (int step = 0; step <= 1500; step++)
        {
            using var scope = NewDisposeScope();
            var inputs = new long[rows * width];
            var targets = new long[rows * width];
            var weights = new float[rows * width];
            Array.Fill(targets, TrainingBatch.Ignored);
            for (int b = 0; b < rows; b++)
            {
                var keys = random.Sample(Enumerable.Range(2, 30).ToArray(), pairs);
                var values = keys.Select(_ => 32 + random.NextInt(30)).ToArray();
                var seq = new List<int>();
                for (int i = 0; i < pairs; i++) { seq.Add(keys[i]); seq.Add(values[i]); }
                foreach (int q in random.Sample(Enumerable.Range(0, pairs).ToArray(), pairs)) { seq.Add(keys[q]); seq.Add(values[q]); }
                for (int t = 0; t < width; t++)
                {
                    inputs[b * width + t] = seq[t];
                    if (t + 1 < width && t >= 2 * pairs && (t - 2 * pairs) % 2 == 0)
                    {
                        targets[b * width + t] = seq[t + 1];
                        weights[b * width + t] = 1;
                    }
                }
            }
            var batch = new TrainingBatch(inputs, targets, weights, rows, width, 0);
            var (i2, tt, w) = batch.ToTensors(CPU);
            optimizer.zero_grad();
            var logits = trainable.Model.Forward(i2);
            var loss = TrainingBatch.Loss(logits, tt, w);
            loss.backward();
            optimizer.step();
            if (step % 100 == 0)
            {
                var acc = logits.argmax(-1).eq(tt).logical_and(w.gt(0.5)).sum().item<long>() / (double)w.gt(0.5).sum().item<long>();
                File.AppendAllText(logPath, $"L{layers} lr{lr} step {step} loss {loss.item<float>():F3} acc {acc:P0}\n");
            }
        }
    }
}
