namespace Cqil.Lab.Core;

/// <summary>
/// A small seeded generator (SplitMix64, Steele et al. 2014) whose output is fixed by its seed on every
/// platform and .NET version: bootstrap intervals and sampled subsets are reproducible from the seed recorded
/// with them, and the demo language, tasks and training stream from the demo's seed. Not for cryptography.
/// </summary>
public sealed class SplitMix64(ulong seed)
{
    private ulong state = seed;

    public ulong Next()
    {
        ulong z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform integer in [0, n), without modulo bias (rejection sampling).</summary>
    public int NextInt(int n)
    {
        if (n <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(n));
        }
        ulong bound = (ulong)n;
        ulong limit = ulong.MaxValue - ulong.MaxValue % bound;
        ulong x;
        do
        {
            x = Next();
        }
        while (x >= limit);
        return (int)(x % bound);
    }

    /// <summary>Uniform in [<paramref name="min"/>, <paramref name="max"/>] (both included).</summary>
    public int Between(int min, int max) => min + NextInt(max - min + 1);

    /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (Next() >> 11) * (1.0 / (1UL << 53));

    public T Pick<T>(IReadOnlyList<T> items) => items[NextInt(items.Count)];

    /// <summary><paramref name="count"/> distinct items in random order (a partial Fisher–Yates shuffle).</summary>
    public T[] Sample<T>(IReadOnlyList<T> items, int count)
    {
        var pool = items.ToArray();
        for (int i = 0; i < count; i++)
        {
            int j = i + NextInt(pool.Length - i);
            (pool[i], pool[j]) = (pool[j], pool[i]);
        }
        return pool[..count];
    }

    /// <summary>A generator for an independent stream, derived from a seed and a label.</summary>
    public static SplitMix64 Derive(ulong seed, string label)
    {
        // FNV-1a of the label mixed into the seed; the first output decorrelates nearby seeds.
        ulong hash = 0xCBF29CE484222325UL;
        foreach (char c in label)
        {
            hash = (hash ^ c) * 0x100000001B3UL;
        }
        return new SplitMix64(new SplitMix64(seed ^ hash).Next());
    }
}
