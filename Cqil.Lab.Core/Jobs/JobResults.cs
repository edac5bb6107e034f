using System.Text.Json;
using System.Text.Json.Serialization;
using Cqil.Lab.Core.Analysis;
using Cqil.Lab.Core.Evaluation;
using Cqil.Lab.Core.Latency;
using Cqil.Lab.Core.Model;

namespace Cqil.Lab.Core.Jobs;

/// <summary>What a finished (or stopped) job hands back: its result JSON, whether it is partial, and a one-line summary.</summary>
public sealed record JobOutcome(string ResultJson, bool Partial, string Summary);

/// <summary>JSON settings shared by the job result records (snake_case, NaN allowed).</summary>
public static class JobJson
{
    public static JsonSerializerOptions Options { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
    };

    public static string Write<T>(T value) => JsonSerializer.Serialize(value, Options);

    public static T Read<T>(string json, string what)
    {
        try
        {
            return JsonSerializer.Deserialize<T>(json, Options) ?? throw new InvalidInputException($"{what}: empty");
        }
        catch (JsonException e)
        {
            throw new InvalidInputException($"{what}: not readable ({e.Message})", e);
        }
    }
}

/// <summary>One system's scores in an evaluation job: the baseline or a plan.</summary>
public sealed record EvaluationEntry
{
    /// <summary>"baseline" or the plan's name.</summary>
    public required string Label { get; init; }

    /// <summary>The plan's description (S12-E30-P2-D0), "baseline" for the unchanged model.</summary>
    public required string Plan { get; init; }

    public Guid? PlanId { get; init; }

    /// <summary>"baseline", "reference" or "fused".</summary>
    public required string Mode { get; init; }

    public required IReadOnlyList<MetricStatistics> Metrics { get; init; }

    /// <summary>Against the baseline on the same items, per binary metric (none for the baseline itself).</summary>
    public IReadOnlyList<PairedComparison> Comparisons { get; init; } = [];

    public FidelityReport? Fidelity { get; init; }

    public double Seconds { get; init; }

    /// <summary>Per binary metric, the item outcomes in the order of <see cref="EvaluationJobResult.ItemIndices"/>.</summary>
    public IReadOnlyDictionary<string, bool[]> Outcomes { get; init; } = new Dictionary<string, bool[]>();
}

/// <summary>The result of an evaluation job: the baseline and every plan scored on the same items.</summary>
public sealed record EvaluationJobResult
{
    public string Schema { get; init; } = "cqil-lab/evaluation-job";
    public int SchemaVersion { get; init; } = 1;
    public string Semantics { get; init; } = LmEvalSemantics.Version;
    public required string Task { get; init; }
    public required string TaskFormat { get; init; }
    public required string TaskSha256 { get; init; }
    public required int ItemsInData { get; init; }
    public required int ItemsScored { get; init; }
    public int? Limit { get; init; }
    public ulong? LimitSeed { get; init; }
    [JsonPropertyName("num_fewshot")]
    public int NumFewShot { get; init; }

    [JsonPropertyName("fewshot_seed")]
    public ulong? FewShotSeed { get; init; }
    public required ModelIdentity Model { get; init; }
    public required string Dtype { get; init; }

    /// <summary>True when the job was stopped early: every entry covers the same, smaller set of items.</summary>
    public bool Partial { get; init; }

    public required int[] ItemIndices { get; init; }
    public required IReadOnlyList<EvaluationEntry> Entries { get; init; }
    public DateTimeOffset CreatedUtc { get; init; } = DateTimeOffset.UtcNow;
}

/// <summary>The result of a latency job: the plan it measured and the report.</summary>
public sealed record LatencyJobResult
{
    public string Schema { get; init; } = "cqil-lab/latency-job";
    public int SchemaVersion { get; init; } = 1;
    public required string PlanName { get; init; }
    public Guid? PlanId { get; init; }
    public required LatencyReport Report { get; init; }
}

/// <summary>One pane of the playground: what a system generated and how fast.</summary>
public sealed record GenerationSide
{
    public required string Label { get; init; }
    public required int[] TokenIds { get; init; }

    /// <summary>The text each new token added, in order (what streamed into the pane).</summary>
    public required string[] Pieces { get; init; }

    public required string Text { get; init; }
    public required double PrefillMs { get; init; }
    public required double DecodeMs { get; init; }

    /// <summary>New tokens per second over the whole generation (prefill included).</summary>
    public required double TokensPerSecond { get; init; }

    public bool StoppedAtEos { get; init; }
}

public sealed record GenerationJobResult
{
    public string Schema { get; init; } = "cqil-lab/generation-job";
    public int SchemaVersion { get; init; } = 1;
    public required string Prompt { get; init; }
    public required GenerationSide Baseline { get; init; }
    public required GenerationSide Candidate { get; init; }

    /// <summary>Index of the first new token where the two differ; null when they agree throughout.</summary>
    public int? FirstDivergence { get; init; }

    public bool Partial { get; init; }

    public static int? Divergence(IReadOnlyList<int> a, IReadOnlyList<int> b)
    {
        int n = Math.Min(a.Count, b.Count);
        for (int i = 0; i < n; i++)
        {
            if (a[i] != b[i])
            {
                return i;
            }
        }
        return a.Count == b.Count ? null : n;
    }
}

/// <summary>Reads stored results back by kind.</summary>
public static class JobResults
{
    public static LayerSimilarityAnalysis Analysis(string json) => LayerSimilarityAnalysis.Parse(json, "analysis result");

    public static EvaluationJobResult Evaluation(string json) => JobJson.Read<EvaluationJobResult>(json, "evaluation result");

    public static LatencyJobResult Latency(string json) => JobJson.Read<LatencyJobResult>(json, "latency result");

    public static GenerationJobResult Generation(string json) => JobJson.Read<GenerationJobResult>(json, "generation result");
}
