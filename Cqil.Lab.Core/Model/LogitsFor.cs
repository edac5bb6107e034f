namespace Cqil.Lab.Core.Model;

/// <summary>
/// Which positions of a pass need logits: the head is a large product (and the log-softmax over the
/// vocabulary follows it), so the caller names what it will read and the rest is skipped. The default is
/// every position.
/// </summary>
public readonly record struct LogitsFor
{
    private const int Last = -1;

    private LogitsFor(int skip) => Skip = skip;

    /// <summary>Leading positions without logits (<see cref="int.MaxValue"/>: none at all; −1: all but the last).</summary>
    private int Skip { get; }

    public static LogitsFor AllPositions => default;

    public static LogitsFor LastPosition => new(Last);

    public static LogitsFor None => new(int.MaxValue);

    /// <summary>Positions <paramref name="first"/> … T−1 (clamped to the pass's length).</summary>
    public static LogitsFor From(int first) => first >= 0
        ? new(first)
        : throw new ArgumentOutOfRangeException(nameof(first), first, "the first position with logits cannot be negative");

    /// <summary>The first position with logits in a pass of <paramref name="tokens"/> new tokens (= tokens: none).</summary>
    public long FirstOf(long tokens) => Skip == Last ? Math.Max(0, tokens - 1) : Math.Min(Skip, tokens);
}
