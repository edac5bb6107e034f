namespace Cqil.Lab.Core.Model;

/// <summary>How attention over several new tokens is computed in inference (decode always uses libtorch's kernel).</summary>
public enum PrefillAttention
{
    /// <summary>Explicit products over blocks of query rows, each reading keys only up to its last row.</summary>
    Blocks,

    /// <summary>libtorch's fused scaled_dot_product_attention (the default; see <see cref="LayerMath.PrefillKernel"/>).</summary>
    Fused,
}
