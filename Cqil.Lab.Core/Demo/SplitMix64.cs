namespace Cqil.Lab.Core.Demo;

/// <summary>
/// A small seeded random generator (Steele, Lea and Flood's SplitMix64) whose output is fixed by its
/// algorithm, not by a runtime version: the demo language, tasks and training stream are reproducible from a
/// seed on any machine. Not for cryptography.
/// </summary>
public sealed class SplitMix64
{
    private ulong state;

    public SplitMix64(ulong seed)
    {
        state = seed;
    }

    public ulong NextUInt64()
    {
        ulong z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [0, <paramref name="count"/>), without modulo bias (rejection of the short last range).</summary>
    public int Next(int count)
    {
        if (count <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(count), "count must be positive");
        }
        ulong n = (ulong)count;
        ulong limit = ulong.MaxValue - (ulong.MaxValue % n);
        ulong r;
        do
        {
            r = NextUInt64();
        }
        while (r >= limit);
        return (int)(r % n);
    }

    /// <summary>Uniform in [<paramref name="min"/>, <paramref name="max"/>] (both included).</summary>
    public int Between(int min, int max) => min + Next(max - min + 1);

    /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    public T Pick<T>(IReadOnlyList<T> items) => items[Next(items.Count)];

    /// <summary><paramref name="count"/> distinct items in random order (a partial Fisher–Yates shuffle).</summary>
    public T[] Sample<T>(IReadOnlyList<T> items, int count)
    {
        var pool = items.ToArray();
        for (int i = 0; i < count; i++)
        {
            int j = i + Next(pool.Length - i);
            (pool[i], pool[j]) = (pool[j], pool[i]);
        }
        return pool[..count];
    }

    /// <summary>A generator for an independent stream, derived from this one's seed and a label.</summary>
    public static SplitMix64 Derive(ulong seed, string label)
    {
        // FNV-1a of the label mixed into the seed; the first output decorrelates nearby seeds.
        ulong hash = 0xCBF29CE484222325UL;
        foreach (char c in label)
        {
            hash = (hash ^ c) * 0x100000001B3UL;
        }
        var mixer = new SplitMix64(seed ^ hash);
        return new SplitMix64(mixer.NextUInt64());
    }
}
