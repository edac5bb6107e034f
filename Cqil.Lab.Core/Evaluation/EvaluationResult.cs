using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Cqil.Lab.Core.Model;

namespace Cqil.Lab.Core.Evaluation;

/// <summary>
/// Everything needed to trust and reproduce a score: the task and the hash of its data, the model's identity,
/// the plan (when one ran), the semantics version, seeds, the subset, scoring settings, the per-metric
/// statistics and where the per-item results went. Serialized as JSON (snake_case).
/// </summary>
public sealed record EvaluationResult
{
    public string Semantics { get; init; } = LmEvalSemantics.Version;
    public required TaskInfo Task { get; init; }
    public required ModelInfo Model { get; init; }
    public PlanInfo? Plan { get; init; }
    public required ScoringInfo Scoring { get; init; }
    public required IReadOnlyList<MetricStatistics> Metrics { get; init; }
    public required TimingInfo Timing { get; init; }
    public string? ItemsPath { get; init; }
    public DateTimeOffset CreatedUtc { get; init; } = DateTimeOffset.UtcNow;

    public sealed record TaskInfo(string Name, string Format, string TaskSha256, IReadOnlyList<DataSource> Sources, int ItemsInData, int ItemsScored, int? Limit, ulong? LimitSeed,
        [property: JsonPropertyName("num_fewshot")] int NumFewShot = 0, [property: JsonPropertyName("fewshot_seed")] ulong? FewShotSeed = null);

    public sealed record ModelInfo(ModelIdentity Identity, string Runner, string Dtype, string Device);

    public sealed record PlanInfo(string? Path, string? Sha256, string? Mode);

    /// <summary>How scoring ran. <paramref name="LongContinuations"/>: requests whose continuation exceeded the model's context and were scored in pieces.</summary>
    public sealed record ScoringInfo(string Mode, int BatchSize, int MaxLength, int Requests, int LongContinuations, int Forwards, long TokensComputed);

    public sealed record TimingInfo(double Seconds, double ItemsPerSecond);

    public MetricStatistics Metric(string name) =>
        Metrics.FirstOrDefault(m => m.Name == name) ?? throw new KeyNotFoundException($"the result has no metric {name}");

    public static JsonSerializerOptions JsonOptions { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    public void Save(string path) => File.WriteAllText(path, ToJson() + "\n");

    public static EvaluationResult Load(string path)
    {
        string text = JsonRecords.ReadAllText(path);
        try
        {
            return MalformedInput.Guard(path, "evaluation result", () => JsonSerializer.Deserialize<EvaluationResult>(text, JsonOptions))
                ?? throw InvalidInputException.ForFile(path, "empty result file");
        }
        catch (JsonException e)
        {
            throw InvalidInputException.ForFile($"{path}:{(e.LineNumber ?? 0) + 1}", "not an evaluation result: " + e.Message);
        }
    }
}
