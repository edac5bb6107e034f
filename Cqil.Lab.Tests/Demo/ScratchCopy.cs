using Cqil.Lab.Core;
using Cqil.Lab.Core.Demo;
using Cqil.Lab.Tests.Fixtures;
using TorchSharp.Modules;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Cqil.Lab.Tests.Demo;

public sealed class ScratchCopy
{
    [Fact]
    public void Copy_task()
    {
        if (Environment.GetEnvironmentVariable("EXP") is null)
        {
            return;
        }
        set_num_threads(2);
        var config = new DemoModelSpec { Layers = 2, Hidden = 64, Heads = 2, Intermediate = 128 }.Config(int.Parse(Environment.GetEnvironmentVariable("V") ?? "64"));
        var trainable = TrainableLlama.Create(config, 1);
        var parameters = trainable.All.ToArray();
        using var optimizer = optim.AdamW(parameters, lr: 3e-3);
        var random = new SplitMix64(1);
        using var grad = enable_grad();
        int half = int.Parse(Environment.GetEnvironmentVariable("HALF") ?? "16"), rows = 32;
        for (int step = 0; step < 300; step++)
        {
            using var scope = NewDisposeScope();
            var inputs = new long[rows * 2 * half];
            var targets = new long[rows * 2 * half];
            var weights = new float[rows * 2 * half];
            for (int b = 0; b < rows; b++)
            {
                long[] full;
                if (Environment.GetEnvironmentVariable("BAG") == "2")
                {
                    var cast = random.Sample(Enumerable.Range(300, 16).ToArray(), 3);
                    full = Enumerable.Range(0, 2 * half).Select(t => t % 4 == 0 ? (long)random.Pick(cast) : 250 + t % 4).ToArray();
                }
                else if (Environment.GetEnvironmentVariable("BAG") == "1")
                {
                    var cast = random.Sample(Enumerable.Range(300, 16).ToArray(), 3);
                    full = Enumerable.Range(0, 2 * half).Select(_ => (long)random.Pick(cast)).ToArray();
                }
                else
                {
                    var seq = Enumerable.Range(0, half).Select(_ => (long)random.NextInt(60) + 3).ToArray();
                    full = seq.Concat(seq).ToArray();
                }
                for (int t = 0; t < 2 * half; t++)
                {
                    inputs[b * 2 * half + t] = full[t];
                    targets[b * 2 * half + t] = t + 1 < 2 * half ? full[t + 1] : TrainingBatch.Ignored;
                    weights[b * 2 * half + t] = t >= half && t + 1 < 2 * half && (Environment.GetEnvironmentVariable("BAG") != "2" || (t + 1) % 4 == 0) ? 1 : 0;
                }
            }
            var batch = new TrainingBatch(inputs, targets, weights, rows, 2 * half, 0);
            var (i, tt, w) = batch.ToTensors(CPU);
            optimizer.zero_grad();
            var loss = TrainingBatch.Loss(trainable.Model.Forward(i), tt, w);
            loss.backward();
            optimizer.step();
            if (step % 25 == 0)
            {
                File.AppendAllText(Environment.GetEnvironmentVariable("EXP")!, $"copy step {step} second-half loss {loss.item<float>():F3}\n");
            }
        }
    }
}
