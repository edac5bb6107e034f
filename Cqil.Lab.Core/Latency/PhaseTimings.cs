namespace Cqil.Lab.Core.Latency;

/// <summary>
/// Unit times of one phase (prefill, or one decode step), ms: what runs outside the layer stack (embedding,
/// final norm, head, sampling) and a single layer on the reference device; plus, where measured, the time of a
/// whole group of each size as a given execution mode computes it on this machine.
/// </summary>
public sealed record PhaseTimings(double NonLayerMs, double LayerMs, IReadOnlyDictionary<int, double> GroupMs)
{
    /// <summary>
    /// What a pass with any multi-layer group pays once, on top of each group's own time (the concurrent mode
    /// wakes its workers at the first group, then they spin through the rest of the pass).
    /// </summary>
    public double GroupStartMs { get; init; }

    /// <summary>Sequential: every layer one after another.</summary>
    public double Sequential(int layers) => NonLayerMs + layers * LayerMs;
}
