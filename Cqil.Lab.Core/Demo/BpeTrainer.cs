namespace Cqil.Lab.Core.Demo;

/// <summary>
/// Learns byte-pair-encoding merges from weighted words (pre-tokenized pieces): start from characters, merge the
/// most frequent adjacent pair everywhere, repeat until every word is one symbol. Replaying the merges in order
/// (what a BPE tokenizer does) turns each training word into exactly one token. Ties go to the ordinally
/// smallest pair, so the result depends only on the input.
/// </summary>
public static class BpeTrainer
{
    public sealed record Result(IReadOnlyList<string> Alphabet, IReadOnlyList<(string Left, string Right)> Merges);

    public static Result Train(IReadOnlyDictionary<string, int> wordCounts)
    {
        var words = wordCounts
            .Where(w => w.Key.Length > 0)
            .OrderBy(w => w.Key, StringComparer.Ordinal)
            .Select(w => (Symbols: w.Key.EnumerateRunes().Select(r => r.ToString()).ToList(), Count: w.Value))
            .ToList();
        var alphabet = words.SelectMany(w => w.Symbols).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var merges = new List<(string, string)>();
        while (true)
        {
            var pairs = new Dictionary<(string, string), long>();
            foreach (var (symbols, count) in words)
            {
                for (int i = 0; i + 1 < symbols.Count; i++)
                {
                    var pair = (symbols[i], symbols[i + 1]);
                    pairs[pair] = pairs.GetValueOrDefault(pair) + count;
                }
            }
            if (pairs.Count == 0)
            {
                break;
            }
            var best = pairs
                .OrderByDescending(p => p.Value)
                .ThenBy(p => p.Key.Item1, StringComparer.Ordinal)
                .ThenBy(p => p.Key.Item2, StringComparer.Ordinal)
                .First().Key;
            merges.Add(best);
            string merged = best.Item1 + best.Item2;
            foreach (var (symbols, _) in words)
            {
                // Left to right, non-overlapping: the way a BPE tokenizer applies one merge.
                for (int i = 0; i + 1 < symbols.Count; i++)
                {
                    if (symbols[i] == best.Item1 && symbols[i + 1] == best.Item2)
                    {
                        symbols[i] = merged;
                        symbols.RemoveAt(i + 1);
                    }
                }
            }
        }
        return new Result(alphabet, merges);
    }
}
