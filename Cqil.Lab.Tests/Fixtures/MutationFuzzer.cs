using System.Text;
using Cqil.Lab.Core;

namespace Cqil.Lab.Tests.Fixtures;

/// <summary>
/// Property-based robustness checks for parsers: a valid seed input is mutated (bit flips, random and
/// structural bytes, insertions, deletions, duplications, truncation, number blow-ups) many times with a
/// fixed seed, and every mutant must either parse or be rejected with an <see cref="InvalidInputException"/>
/// carrying a one-line message. Anything else — another exception type, an empty message — fails the test
/// with the mutant that caused it, reproducible from the seed and index.
/// </summary>
public static class MutationFuzzer
{
    private static readonly byte[] Structural = Encoding.ASCII.GetBytes("{}[]\":,0123456789-.eE \n\r\ttrue false null\\u\0\xff");

    public sealed record Outcome(int Parsed, int Rejected, IReadOnlyList<string> Failures);

    /// <summary>The mutants <see cref="Run"/> feeds, for callers that check another property (an HTTP answer, say).</summary>
    public static IEnumerable<byte[]> Mutants(byte[] seedInput, int count, ulong seed)
    {
        var random = new SplitMix64(seed);
        for (int i = 0; i < count; i++)
        {
            yield return Mutate(seedInput, ref random);
        }
    }

    public static Outcome Run(byte[] seedInput, int count, ulong seed, Action<byte[]> parse)
    {
        int parsed = 0, rejected = 0, i = -1;
        var failures = new List<string>();
        foreach (var mutant in Mutants(seedInput, count, seed))
        {
            i++;
            try
            {
                parse(mutant);
                parsed++;
            }
            catch (InvalidInputException e)
            {
                if (string.IsNullOrWhiteSpace(e.Message) || e.Message.Contains('\n'))
                {
                    failures.Add($"#{i}: rejection without a one-line message: '{e.Message}'");
                }
                rejected++;
            }
            catch (Exception e)
            {
                failures.Add($"#{i}: {e.GetType().Name}: {e.Message.Split('\n')[0]} | input starts {Preview(mutant)}");
            }
        }
        return new Outcome(parsed, rejected, failures);
    }

    /// <summary>
    /// Asserts the property and, for strict formats, that the fuzzing really exercised rejection paths.
    /// Permissive inputs (any text is a valid text file) set <paramref name="expectRejections"/> to false.
    /// </summary>
    public static void Check(string parser, byte[] seedInput, Action<byte[]> parse, int count = 1000, ulong seed = 1, bool expectRejections = true)
    {
        var outcome = Run(seedInput, count, seed, parse);
        Assert.True(outcome.Failures.Count == 0,
            $"{parser}: {outcome.Failures.Count} of {count} mutants broke the parser:\n" + string.Join("\n", outcome.Failures.Take(8)));
        Assert.True(!expectRejections || outcome.Rejected > count / 10,
            $"{parser}: only {outcome.Rejected} of {count} mutants were rejected; the mutations are too mild to test anything");
        Assert.Equal(count, outcome.Parsed + outcome.Rejected);
    }

    private static byte[] Mutate(byte[] input, ref SplitMix64 random)
    {
        var bytes = new List<byte>(input);
        int edits = 1 + random.NextInt(3);
        for (int e = 0; e < edits; e++)
        {
            int at = bytes.Count == 0 ? 0 : random.NextInt(bytes.Count);
            switch (random.NextInt(9))
            {
                case 0 when bytes.Count > 0:
                    bytes[at] ^= (byte)(1 << random.NextInt(8));
                    break;
                case 1 when bytes.Count > 0:
                    bytes[at] = (byte)random.NextInt(256);
                    break;
                case 2:
                    bytes.Insert(at, Structural[random.NextInt(Structural.Length)]);
                    break;
                case 3:
                    for (int k = 1 + random.NextInt(8); k > 0; k--)
                    {
                        bytes.Insert(at, (byte)random.NextInt(256));
                    }
                    break;
                case 4 when bytes.Count > 0:
                    bytes.RemoveRange(at, Math.Min(bytes.Count - at, 1 + random.NextInt(16)));
                    break;
                case 5 when bytes.Count > 0:
                    int length = Math.Min(bytes.Count - at, 1 + random.NextInt(32));
                    bytes.InsertRange(random.NextInt(bytes.Count), bytes.GetRange(at, length));
                    break;
                case 6:
                    bytes.RemoveRange(at, bytes.Count - at);
                    break;
                case 7:
                    bytes.InsertRange(at, Encoding.ASCII.GetBytes(random.NextInt(2) == 0 ? "99999999999" : "-1"));
                    break;
                case 8 when bytes.Count > 3:
                    // Overwrite four bytes with a random int: hits length fields of binary formats.
                    var value = BitConverter.GetBytes((int)random.Next());
                    for (int k = 0; k < 4 && at + k < bytes.Count; k++)
                    {
                        bytes[at + k] = value[k];
                    }
                    break;
            }
        }
        return bytes.ToArray();
    }

    public static string Preview(byte[] bytes)
    {
        var text = Encoding.UTF8.GetString(bytes, 0, Math.Min(bytes.Length, 60));
        return new string(text.Select(c => char.IsControl(c) ? '·' : c).ToArray());
    }
}
