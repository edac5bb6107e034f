namespace Cqil.Lab.Core;

/// <summary>
/// A small seeded generator (SplitMix64, Steele et al. 2014) whose output is fixed by its seed on every
/// platform and .NET version, so bootstrap intervals and sampled subsets are reproducible from the seed
/// recorded with them.
/// </summary>
public struct SplitMix64(ulong seed)
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
}
