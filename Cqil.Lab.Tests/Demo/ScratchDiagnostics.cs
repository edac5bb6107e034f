using Cqil.Lab.Core.Checkpoints;
using Cqil.Lab.Tests.Fixtures;
using static TorchSharp.torch;

namespace Cqil.Lab.Tests.Demo;

public sealed class ScratchDiagnostics
{
    [Fact]
    public void Per_token_loss()
    {
        if (Environment.GetEnvironmentVariable("EXP") is null)
        {
            return;
        }
        using var loaded = CheckpointLoader.Load(Environment.GetEnvironmentVariable("MODEL")!);
        string text = File.ReadAllText("/tmp/demo-e1/heldout.txt").Split("\n\n")[0];
        var ids = loaded.Tokenizer.Encode(text, addBos: false);
        using var noGrad = no_grad();
        var logProbs = loaded.Model.Forward(tensor(ids.Select(i => (long)i).ToArray(), [1, ids.Length])).log_softmax(-1)[0];
        var lines = new List<string>();
        for (int t = 1; t < ids.Length; t++)
        {
            var top = logProbs[t - 1].argmax().item<long>();
            lines.Add($"{loaded.Tokenizer.Decode([ids[t]]),-10} p={Math.Exp(logProbs[t - 1, ids[t]].item<float>()):F3}  top={loaded.Tokenizer.Decode([(int)top])}");
        }
        File.WriteAllLines(Environment.GetEnvironmentVariable("EXP")!, lines);
    }
}
