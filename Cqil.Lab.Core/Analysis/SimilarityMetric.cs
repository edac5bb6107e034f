namespace Cqil.Lab.Core.Analysis;

/// <summary>The layer-input similarity measures of cqil-method.md ("Similarity analysis").</summary>
public enum SimilarityMetric
{
    /// <summary>Mean over all non-padding tokens of cos(x_i[t], x_j[t]) — the default heatmap.</summary>
    Cosine,

    /// <summary>The same on the final token of each sample only.</summary>
    LastTokenCosine,

    /// <summary>Mean over tokens of arccos(cos)/π (the "deeper layers" pruning paper's metric); 0 = identical direction.</summary>
    AngularDistance,

    /// <summary>Per layer ℓ: 1 − mean_t cos(x_ℓ[t], x_{ℓ+1}[t]) (ShortGPT's layer importance); a vector, not a matrix.</summary>
    BlockInfluence,
}

public static class SimilarityMetrics
{
    public static string Name(SimilarityMetric metric) => metric switch
    {
        SimilarityMetric.Cosine => "cosine",
        SimilarityMetric.LastTokenCosine => "last-token-cosine",
        SimilarityMetric.AngularDistance => "angular-distance",
        SimilarityMetric.BlockInfluence => "block-influence",
        _ => throw new ArgumentOutOfRangeException(nameof(metric)),
    };

    public static SimilarityMetric Parse(string text) => text.Trim().ToLowerInvariant() switch
    {
        "cosine" or "token-mean-cosine" => SimilarityMetric.Cosine,
        "last-token-cosine" or "last-token" => SimilarityMetric.LastTokenCosine,
        "angular-distance" or "angular" => SimilarityMetric.AngularDistance,
        "block-influence" or "bi" => SimilarityMetric.BlockInfluence,
        _ => throw new InvalidInputException($"metric '{text}': expected cosine, last-token-cosine, angular-distance or block-influence"),
    };
}
