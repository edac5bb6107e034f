using System.Text.Json;
using System.Text.Json.Serialization;

namespace Cqil.Lab.Core.Analysis;

/// <summary>
/// The result of a layer-input similarity analysis with its provenance: which model, which data, which
/// settings and plan produced it. Serializes to the JSON that `cqil analyze --out` writes and the cache keeps.
/// </summary>
public sealed record LayerSimilarityAnalysis
{
    public const string Schema = "cqil-lab/similarity";
    public const int SchemaVersion = 1;

    [JsonPropertyName("schema")] public string SchemaName { get; init; } = Schema;
    [JsonPropertyName("schema_version")] public int Version { get; init; } = SchemaVersion;

    [JsonPropertyName("model")] public required AnalysisModel Model { get; init; }
    [JsonPropertyName("data")] public required AnalysisData Data { get; init; }
    [JsonPropertyName("settings")] public required AnalysisRecordedSettings Settings { get; init; }

    /// <summary>Number of layers L; matrices are L×L over the inputs x_0 … x_{L−1}.</summary>
    [JsonPropertyName("layers")] public required int Layers { get; init; }

    [JsonPropertyName("cosine")] public required SimilarityMatrix Cosine { get; init; }
    [JsonPropertyName("last_token_cosine")] public required SimilarityMatrix LastTokenCosine { get; init; }
    [JsonPropertyName("angular_distance")] public required SimilarityMatrix AngularDistance { get; init; }
    [JsonPropertyName("block_influence")] public required LayerVector BlockInfluence { get; init; }

    [JsonPropertyName("created_utc")] public DateTime CreatedUtc { get; init; } = DateTime.UtcNow;
    [JsonPropertyName("elapsed_seconds")] public double ElapsedSeconds { get; init; }

    /// <summary>True when the run was stopped early and covers only the samples of its finished batches.</summary>
    [JsonPropertyName("partial")] public bool Partial { get; init; }

    public SimilarityMatrix Matrix(SimilarityMetric metric) => metric switch
    {
        SimilarityMetric.Cosine => Cosine,
        SimilarityMetric.LastTokenCosine => LastTokenCosine,
        SimilarityMetric.AngularDistance => AngularDistance,
        _ => throw new InvalidInputException($"{SimilarityMetrics.Name(metric)} is a per-layer vector; use BlockInfluence"),
    };

    // A property that is missing, misspelt or null where the type says it cannot be fails parsing with a
    // JsonException (turned into a message naming the file) instead of leaving a null for later code to trip on.
    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
    };

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    public static LayerSimilarityAnalysis Parse(string json, string source) => MalformedInput.Guard(source, "analysis file", () => ParseChecked(json, source));

    private static LayerSimilarityAnalysis ParseChecked(string json, string source)
    {
        try
        {
            var result = JsonSerializer.Deserialize<LayerSimilarityAnalysis>(json, JsonOptions)
                ?? throw InvalidInputException.ForFile(source, "empty analysis file");
            if (result.SchemaName != Schema || result.Version != SchemaVersion)
            {
                throw InvalidInputException.ForFile(source, $"not a {Schema} v{SchemaVersion} file (schema '{result.SchemaName}' v{result.Version})");
            }
            if (result.Cosine.Size != result.Layers)
            {
                throw InvalidInputException.ForFile(source, $"cosine matrix is {result.Cosine.Size}×{result.Cosine.Size}, but layers is {result.Layers}");
            }
            return result;
        }
        catch (JsonException e)
        {
            throw InvalidInputException.ForFile(source, $"not a valid analysis file ({e.Message})", e);
        }
    }
}

public sealed record AnalysisModel(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("fingerprint")] string Fingerprint,
    [property: JsonPropertyName("dtype")] string Dtype);

public sealed record AnalysisData(
    [property: JsonPropertyName("source")] string Source,
    [property: JsonPropertyName("sha256")] string Sha256,
    [property: JsonPropertyName("samples")] int Samples,
    [property: JsonPropertyName("tokens_counted")] long TokensCounted,
    [property: JsonPropertyName("sequence_length")] int SequenceLength);

public sealed record AnalysisRecordedSettings(
    [property: JsonPropertyName("pooling")] string Pooling,
    [property: JsonPropertyName("bos")] string Bos,
    [property: JsonPropertyName("batch_size")] int BatchSize,
    [property: JsonPropertyName("plan")] string Plan,
    [property: JsonPropertyName("plan_groups")] int[][] PlanGroups,
    [property: JsonPropertyName("mode")] string Mode);
