using Cqil.Lab.Core.Model;
using Cqil.Lab.Core.Tokenization;
using Cqil.Lab.Tests.Fixtures;

namespace Cqil.Lab.Tests.Evaluation;

/// <summary>
/// The straightforward computation the scorer is checked against, written independently of it: one full
/// forward of context + continuation (cut from the left to maxLength + 1 tokens, its last token dropped),
/// log-softmax in float64, summed over the continuation tokens; greedy = every continuation token is the argmax.
/// </summary>
public static class Reference
{
    public static (double LogLikelihood, bool IsGreedy) Score(ICausalLm lm, int[] context, int[] continuation, int maxLength)
    {
        var full = context.Concat(continuation).ToArray();
        if (full.Length > maxLength + 1)
        {
            full = full[(full.Length - maxLength - 1)..];
        }
        var logits = ModelRun.Logits(lm, full[..^1].Select(i => (long)i).ToArray());
        double sum = 0;
        bool greedy = true;
        int vocab = logits.GetLength(1);
        for (int j = full.Length - continuation.Length; j < full.Length; j++)
        {
            int row = j - 1, target = full[j];
            double max = double.NegativeInfinity;
            int best = 0;
            for (int v = 0; v < vocab; v++)
            {
                if (logits[row, v] > max)
                {
                    max = logits[row, v];
                    best = v;
                }
            }
            double z = 0;
            for (int v = 0; v < vocab; v++)
            {
                z += Math.Exp(logits[row, v] - max);
            }
            sum += logits[row, target] - max - Math.Log(z);
            greedy &= best == target;
        }
        return (sum, greedy);
    }

    /// <summary>lm-eval's tokenization of a (context, continuation) pair, restated for the tests.</summary>
    public static (int[] Context, int[] Continuation) Encode(TextTokenizer tokenizer, string context, string continuation)
    {
        if (context == "")
        {
            return ([tokenizer.EosIds[0]], tokenizer.Encode(continuation, addBos: false));
        }
        string trimmed = context.TrimEnd();
        continuation = context[trimmed.Length..] + continuation;
        var whole = tokenizer.Encode(trimmed + continuation, addBos: false);
        var ctx = tokenizer.Encode(trimmed, addBos: false);
        return (ctx, whole.Skip(ctx.Length).ToArray());
    }
}
