using System.Text.Json;
using System.Text.Json.Nodes;

namespace Cqil.Lab.Web.Hosting;

/// <summary>Start an analysis. <see cref="Source"/>: "demo" (the model's held-out text), "task" (a task's contexts) or "text" (the given text, as an upload).</summary>
public sealed record AnalysisRequest
{
    public string? Model { get; init; }
    public string Source { get; init; } = "demo";
    public string? Task { get; init; }
    public string? Text { get; init; }
    public string? TextName { get; init; }
    public int Samples { get; init; } = 32;
    public int SeqLen { get; init; } = 128;
    public int BatchSize { get; init; } = 8;
    public Guid? PlanId { get; init; }
    public JsonObject? Plan { get; init; }

    /// <summary>Compute dtype: f32 (default), bf16 or f16.</summary>
    public string Dtype { get; init; } = "f32";
}

/// <summary>Latency settings of a run.</summary>
public sealed record LatencyRequest
{
    public string[] Modes { get; init; } = ["fused"];
    public int PromptLength { get; init; } = 64;
    public int DecodeTokens { get; init; } = 16;
    public int Warmup { get; init; } = 1;
    public int Repetitions { get; init; } = 5;
    public int[]? Threads { get; init; }
    public bool Project { get; init; }
}

/// <summary>A run: plans and tasks evaluated beside the baseline, and each plan's latency measured beside it.</summary>
public sealed record RunRequest
{
    public string? Name { get; init; }
    public string? Model { get; init; }
    public Guid[] PlanIds { get; init; } = [];
    public JsonObject[] Plans { get; init; } = [];
    public string[] Tasks { get; init; } = [];
    public int? Limit { get; init; } = 100;
    public ulong? Seed { get; init; }

    /// <summary>Solved examples in front of every item (multiple-choice tasks) and the seed of their draw.</summary>
    [System.Text.Json.Serialization.JsonPropertyName("num_fewshot")]
    public int NumFewShot { get; init; }

    [System.Text.Json.Serialization.JsonPropertyName("fewshot_seed")]
    public ulong FewShotSeed { get; init; } = Core.Evaluation.FewShotContext.DefaultSeed;

    public string Mode { get; init; } = "fused";
    public bool Fidelity { get; init; } = true;
    public LatencyRequest? Latency { get; init; } = new();

    /// <summary>Compute dtype: f32 (default), bf16 or f16.</summary>
    public string Dtype { get; init; } = "f32";
}

/// <summary>Generate from a prompt with the baseline and with a plan.</summary>
public sealed record GenerationRequest
{
    public string? Model { get; init; }
    public string Prompt { get; init; } = "";
    public Guid? PlanId { get; init; }
    public JsonObject? Plan { get; init; }
    public string Mode { get; init; } = "fused";
    public int MaxNewTokens { get; init; } = 48;
    public double Temperature { get; init; }
    public long Seed { get; init; }

    /// <summary>Compute dtype: f32 (default), bf16 or f16.</summary>
    public string Dtype { get; init; } = "f32";
}

public static class LabJson
{
    /// <summary>snake_case names, as every JSON the lab writes.</summary>
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
        // "tasks": null is refused as malformed instead of reaching code that relies on the declared non-null.
        RespectNullableAnnotations = true,
    };
}
