namespace Cqil.Lab.Core.Cqil;

/// <summary>
/// How a plan's groups are computed. All three compute the same function; they differ in speed and in what
/// a latency number measured with them means.
/// </summary>
public enum ExecutionMode
{
    /// <summary>The definition, one layer after another, each group's layers reading the shared input. Right accuracy; no speedup.</summary>
    Reference,

    /// <summary>Each group's layers in one pass on one device: stacked weights, batched products, one attention call.</summary>
    Fused,

    /// <summary>Each layer of a group on its own worker (CPU threads, or separate CUDA devices), updates summed on the home device.</summary>
    Concurrent,
}

public static class ExecutionModes
{
    public static string Name(ExecutionMode mode) => mode.ToString().ToLowerInvariant();

    public static ExecutionMode Parse(string text) => text.Trim().ToLowerInvariant() switch
    {
        "reference" => ExecutionMode.Reference,
        "fused" => ExecutionMode.Fused,
        "concurrent" => ExecutionMode.Concurrent,
        _ => throw new InvalidInputException($"mode '{text}': expected reference, fused or concurrent"),
    };
}
