namespace Cqil.Lab.Core.Evaluation;

/// <summary>The deterministic subset --limit picks.</summary>
public static class ItemSelection
{
    /// <summary>
    /// All items; or the first <paramref name="limit"/> (lm-eval's --limit); or, with a seed, a uniform random
    /// subset of that size drawn by a partial Fisher–Yates shuffle with <see cref="SplitMix64"/>, returned in file order.
    /// </summary>
    public static IReadOnlyList<EvalItem> Select(IReadOnlyList<EvalItem> items, int? limit, ulong? seed)
    {
        if (limit is null || limit >= items.Count)
        {
            return items;
        }
        int n = limit.Value;
        if (seed is null)
        {
            return items.Take(n).ToArray();
        }
        var indices = Enumerable.Range(0, items.Count).ToArray();
        var rng = new SplitMix64(seed.Value);
        for (int i = 0; i < n; i++)
        {
            int j = i + rng.NextInt(indices.Length - i);
            (indices[i], indices[j]) = (indices[j], indices[i]);
        }
        return indices.Take(n).Order().Select(i => items[i]).ToArray();
    }
}
