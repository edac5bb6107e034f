using Cqil.Lab.Core.Model;
using Cqil.Lab.Core.Tokenization;
using static TorchSharp.torch;

namespace Cqil.Lab.Core.Demo;

/// <summary>The log-likelihood of every choice of one item, and whether the item counts as right.</summary>
public sealed record ChoiceScore(string Id, IReadOnlyList<double> LogLikelihoods, IReadOnlyList<int> ChoiceLengths, int Gold)
{
    /// <summary>acc: the highest summed log-likelihood is the gold choice.</summary>
    public bool Correct => ArgMax(LogLikelihoods) == Gold;

    /// <summary>acc_norm: the same after dividing each sum by its choice's length in characters.</summary>
    public bool CorrectNormalized => ArgMax(LogLikelihoods.Select((l, i) => l / Math.Max(1, ChoiceLengths[i])).ToArray()) == Gold;

    private static int ArgMax(IReadOnlyList<double> values)
    {
        int best = 0;
        for (int i = 1; i < values.Count; i++)
        {
            if (values[i] > values[best])
            {
                best = i;
            }
        }
        return best;
    }
}

/// <summary>
/// Scores multiple-choice items the lm-eval way: each choice is the continuation " " + choice after the
/// context, no BOS is added, and its score is the sum of the continuation tokens' log-probabilities. The
/// continuation's tokens are those of encode(context + " " + choice) after the tokens of encode(context).
/// Sequences are batched right-padded: with causal attention, padding after a sequence cannot change it.
/// </summary>
public static class ChoiceScorer
{
    public static IReadOnlyList<ChoiceScore> Score(ICausalLm lm, TextTokenizer tokenizer, IReadOnlyList<DemoTaskItem> items, int batchSize = 32,
        CancellationToken cancellationToken = default)
    {
        var requests = new List<(int Item, int Choice, int[] Ids, int ContextLength)>();
        for (int i = 0; i < items.Count; i++)
        {
            var item = items[i];
            int[] context = tokenizer.Encode(item.Context, addBos: false);
            for (int c = 0; c < item.Choices.Count; c++)
            {
                int[] full = tokenizer.Encode(item.Context + " " + item.Choices[c], addBos: false);
                if (full.Length <= context.Length || !full.AsSpan(0, context.Length).SequenceEqual(context))
                {
                    throw new InvalidInputException($"item {item.Id}: the context's tokens are not a prefix of the context and choice {c} together");
                }
                requests.Add((i, c, full, context.Length));
            }
        }
        var scores = items.Select(item => new double[item.Choices.Count]).ToArray();
        // Similar lengths batched together waste little on padding.
        var ordered = requests.OrderBy(r => r.Ids.Length).ToArray();
        using var noGrad = no_grad();
        for (int start = 0; start < ordered.Length; start += batchSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var batch = ordered.AsSpan(start, Math.Min(batchSize, ordered.Length - start)).ToArray();
            var sums = ScoreBatch(lm, batch.Select(r => (r.Ids, r.ContextLength)).ToArray());
            for (int b = 0; b < batch.Length; b++)
            {
                scores[batch[b].Item][batch[b].Choice] = sums[b];
            }
        }
        return items.Select((item, i) => new ChoiceScore(item.Id, scores[i], item.Choices.Select(c => c.Length).ToArray(), item.Gold)).ToArray();
    }

    public static double Accuracy(IEnumerable<ChoiceScore> scores)
    {
        var list = scores.ToList();
        return list.Count == 0 ? double.NaN : (double)list.Count(s => s.Correct) / list.Count;
    }

    // Sum of log p(token) over each sequence's continuation (positions ContextLength … end).
    private static double[] ScoreBatch(ICausalLm lm, (int[] Ids, int ContextLength)[] sequences)
    {
        using var scope = NewDisposeScope();
        int width = sequences.Max(s => s.Ids.Length) - 1;
        var inputs = new long[sequences.Length * width];
        var targets = new long[sequences.Length * width];
        var counted = new float[sequences.Length * width];
        for (int b = 0; b < sequences.Length; b++)
        {
            var (ids, contextLength) = sequences[b];
            for (int t = 0; t < ids.Length - 1; t++)
            {
                inputs[b * width + t] = ids[t];
                targets[b * width + t] = ids[t + 1];
                counted[b * width + t] = t + 1 >= contextLength ? 1 : 0;
            }
        }
        var device = lm.Model.Device;
        var logits = lm.Forward(tensor(inputs, [sequences.Length, width]).to(device));
        var logProbs = logits.log_softmax(-1).gather(2, tensor(targets, [sequences.Length, width]).to(device).unsqueeze(2)).squeeze(2);
        var sums = (logProbs * tensor(counted, [sequences.Length, width]).to(device)).sum(1L).to(ScalarType.Float64).cpu();
        return sums.data<double>().ToArray();
    }
}
