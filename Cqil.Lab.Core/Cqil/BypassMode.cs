namespace Cqil.Lab.Core.Cqil;

/// <summary>
/// How a group's bypassed attention outputs b_k = Σ_{i=1..min(D,k)} a_{k−i} enter the computation
/// (cqil-method.md, "Bypass"). Both give u_k = x + a_k + b_k as the feed-forward input; they differ in the update.
/// </summary>
public enum BypassMode
{
    /// <summary>The paper's figure: update_k = a_k + m_k(u_k).</summary>
    FfnInput,

    /// <summary>The authors' training code (an in-place add aliases the residual): update_k = a_k + b_k + m_k(u_k).</summary>
    Residual,
}

public static class BypassModes
{
    public static string Name(BypassMode mode) => mode switch
    {
        BypassMode.FfnInput => "ffn-input",
        BypassMode.Residual => "residual",
        _ => throw new ArgumentOutOfRangeException(nameof(mode)),
    };

    public static BypassMode Parse(string text) => text.Trim().ToLowerInvariant() switch
    {
        "ffn-input" or "ffn_input" or "ffninput" => BypassMode.FfnInput,
        "residual" => BypassMode.Residual,
        _ => throw new InvalidInputException($"bypass mode '{text}': expected ffn-input or residual"),
    };
}
