namespace Cqil.Lab.Core.Latency;

/// <summary>
/// Work the latency runner interleaves with its rounds, so it sees the machine in the same state as the
/// runners (the latency lab's unit-time probes, <see cref="UnitTimeProfiler"/>).
/// </summary>
public interface IRoundCompanion
{
    /// <summary>Passes run after each round, counted in the runner's progress.</summary>
    int PassesPerRound { get; }

    /// <summary>
    /// Runs after a round (<paramref name="timed"/> false for warm-up rounds) with each runner's thread counts,
    /// baseline first, calling <paramref name="passDone"/> after each pass.
    /// </summary>
    void AfterRound(bool timed, IReadOnlyList<(int Prefill, int Decode)> threads, Action passDone, CancellationToken cancellationToken);
}
