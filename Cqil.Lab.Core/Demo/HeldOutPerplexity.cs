using Cqil.Lab.Core.Model;
using Cqil.Lab.Core.Tokenization;
using static TorchSharp.torch;

namespace Cqil.Lab.Core.Demo;

/// <summary>
/// Per-token perplexity of whole stories, each tokenized as in training (from position 0, no BOS, EOS at the
/// end): exp of the mean negative log-likelihood of every token after the first.
/// </summary>
public static class HeldOutPerplexity
{
    public static double Compute(ICausalLm lm, TextTokenizer tokenizer, IEnumerable<string> texts, int batchSize = 32)
    {
        int eos = tokenizer.EosIds[0];
        var sequences = texts.Select(t => (int[])[.. tokenizer.Encode(t, addBos: false), eos]).OrderBy(s => s.Length).ToArray();
        double totalNll = 0;
        long tokens = 0;
        using var noGrad = no_grad();
        for (int start = 0; start < sequences.Length; start += batchSize)
        {
            using var scope = NewDisposeScope();
            var batch = sequences.AsSpan(start, Math.Min(batchSize, sequences.Length - start)).ToArray();
            int width = batch.Max(s => s.Length) - 1;
            var inputs = new long[batch.Length * width];
            var targets = new long[batch.Length * width];
            Array.Fill(targets, TrainingBatch.Ignored);
            for (int b = 0; b < batch.Length; b++)
            {
                for (int t = 0; t + 1 < batch[b].Length; t++)
                {
                    inputs[b * width + t] = batch[b][t];
                    targets[b * width + t] = batch[b][t + 1];
                }
                tokens += batch[b].Length - 1;
            }
            var device = lm.Model.Device;
            var logits = lm.Forward(tensor(inputs, [batch.Length, width]).to(device));
            var nll = nn.functional.cross_entropy(logits.view(-1, logits.shape[2]), tensor(targets).to(device), ignore_index: TrainingBatch.Ignored, reduction: nn.Reduction.Sum);
            totalNll += nll.to(ScalarType.Float64).item<double>();
        }
        return tokens == 0 ? double.NaN : Math.Exp(totalNll / tokens);
    }
}
