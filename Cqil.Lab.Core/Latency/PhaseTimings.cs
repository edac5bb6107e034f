namespace Cqil.Lab.Core.Latency;

/// <summary>
/// Unit times of one phase (prefill, or one decode step), ms: what runs outside the layer stack (embedding,
/// final norm, head, sampling) and a single layer on the reference device; plus, where measured, the time of a
/// whole group of each size as a given execution mode computes it on this machine.
/// </summary>
public sealed record PhaseTimings(double NonLayerMs, double LayerMs, IReadOnlyDictionary<int, double> GroupMs)
{
    /// <summary>Sequential: every layer one after another.</summary>
    public double Sequential(int layers) => NonLayerMs + layers * LayerMs;
}
