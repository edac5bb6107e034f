namespace Cqil.Lab.Core.Generation;

/// <summary>
/// Picks the next token from float32 logits: argmax (lowest id on ties) when greedy, else temperature and
/// top-p sampling from a seeded generator, so a seed reproduces the same text.
/// </summary>
public sealed class TokenSampler(GenerationOptions options)
{
    private readonly Random random = new((int)(options.Seed ^ (options.Seed >> 32)));

    public int Next(ReadOnlySpan<float> logits)
    {
        if (options.Temperature == 0)
        {
            int best = 0;
            for (int i = 1; i < logits.Length; i++)
            {
                if (logits[i] > logits[best])
                {
                    best = i;
                }
            }
            return best;
        }
        float max = float.NegativeInfinity;
        foreach (float l in logits)
        {
            max = Math.Max(max, l);
        }
        var probabilities = new double[logits.Length];
        double sum = 0;
        for (int i = 0; i < logits.Length; i++)
        {
            probabilities[i] = Math.Exp((logits[i] - max) / options.Temperature);
            sum += probabilities[i];
        }
        int[] order = Enumerable.Range(0, logits.Length).ToArray();
        if (options.TopP < 1)
        {
            Array.Sort(order, (a, b) => probabilities[b].CompareTo(probabilities[a]));
            double kept = 0;
            int cut = 0;
            while (cut < order.Length && kept < options.TopP * sum)
            {
                kept += probabilities[order[cut++]];
            }
            order = order[..cut];
            sum = kept;
        }
        double r = random.NextDouble() * sum;
        foreach (int i in order)
        {
            r -= probabilities[i];
            if (r <= 0)
            {
                return i;
            }
        }
        return order[^1];
    }
}
