using System.Text.Json;
using System.Text.Json.Serialization;
using Cqil.Lab.Core.Cqil;
using Cqil.Lab.Core.Evaluation;
using Cqil.Lab.Core.Latency;

namespace Cqil.Lab.Core.Jobs;

/// <summary>
/// What a job is asked to do, self-contained (plans are embedded as lab JSON, files named by absolute path), so a
/// stored job can be rerun or read later even if the saved plan it came from changes. Serialized as JSON with a
/// "type" discriminator.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(AnalysisJobSpec), "analysis")]
[JsonDerivedType(typeof(EvaluationJobSpec), "evaluation")]
[JsonDerivedType(typeof(LatencyJobSpec), "latency")]
[JsonDerivedType(typeof(GenerationJobSpec), "generation")]
public abstract record JobSpec
{
    /// <summary>The model: a Hugging Face folder or llama2.c file (absolute path).</summary>
    public required string ModelPath { get; init; }

    /// <summary>Compute dtype: f32 (default) or bf16.</summary>
    public string Dtype { get; init; } = "f32";

    [JsonIgnore]
    public abstract JobKind Kind { get; }

    /// <summary>A one-line description for lists.</summary>
    public abstract string Title();

    /// <summary><see cref="Title"/>, naming the compute dtype when it is not the default f32.</summary>
    public string TitleWithDtype() => Model.ModelDtype.Name(Model.ModelDtype.Parse(Dtype)) is var dtype && dtype == "f32" ? Title() : $"{Title()} ({dtype})";

    /// <summary>Checks the numbers a user typed; throws <see cref="InvalidInputException"/> with a message.</summary>
    public virtual void Validate()
    {
        Model.ModelDtype.Parse(Dtype);
    }

    public static JsonSerializerOptions JsonOptions { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = false,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    public static JobSpec Parse(string json) =>
        JsonSerializer.Deserialize<JobSpec>(json, JsonOptions) ?? throw new InvalidInputException("empty job description");
}

/// <summary>A plan carried by a job: its lab JSON, and the saved plan it came from, if any.</summary>
public sealed record PlanSpec(string Name, string Json, Guid? PlanId = null)
{
    public PlanDocument Document(int layerCount)
    {
        var doc = PlanDocument.Parse(Json, $"plan '{Name}'");
        if (doc.Plan.LayerCount != layerCount)
        {
            throw new InvalidInputException($"plan '{Name}' is for {doc.Plan.LayerCount} layers but the model has {layerCount}");
        }
        return doc;
    }

    public static PlanSpec From(PlanDocument doc, Guid? id = null) => new(doc.Name ?? doc.Plan.Describe(), doc.ToJson(), id);
}

/// <summary>A task file and the reader for it (a TaskCatalog name: mc-jsonl, piqa, …).</summary>
public sealed record TaskSpec(string Name, string Reader, string Path);

/// <summary>Where analysis text comes from.</summary>
public enum AnalysisSource
{
    /// <summary>A running text file (the model's held-out text, an upload): consecutive windows.</summary>
    Text,

    /// <summary>A task's contexts: one sample per item.</summary>
    Task,
}

public sealed record AnalysisJobSpec : JobSpec
{
    public override JobKind Kind => JobKind.Analysis;

    public AnalysisSource Source { get; init; } = AnalysisSource.Text;

    /// <summary>The text file (source Text) — what the user sees as its name is <see cref="DataLabel"/>.</summary>
    public string? TextPath { get; init; }

    public TaskSpec? Task { get; init; }

    /// <summary>"demo text", "upload: notes.txt", "task: who-has"…</summary>
    public string DataLabel { get; init; } = "text";

    public int Samples { get; init; } = 32;

    public int SequenceLength { get; init; } = 128;

    public int BatchSize { get; init; } = 8;

    /// <summary>Analyse the model under this plan (null: the unchanged model).</summary>
    public PlanSpec? Plan { get; init; }

    public override string Title() => $"analysis of {System.IO.Path.GetFileName(ModelPath)} on {DataLabel}, {Samples}×{SequenceLength}" + (Plan is null ? "" : $" under {Plan.Name}");

    public override void Validate()
    {
        base.Validate();
        if (Samples is < 1 or > 4096)
        {
            throw new InvalidInputException($"samples must be between 1 and 4096, got {Samples}");
        }
        if (SequenceLength is < 2 or > 8192)
        {
            throw new InvalidInputException($"sequence length must be between 2 and 8192, got {SequenceLength}");
        }
        if (BatchSize is < 1 or > 256)
        {
            throw new InvalidInputException($"batch size must be between 1 and 256, got {BatchSize}");
        }
        if (Source == AnalysisSource.Text && string.IsNullOrEmpty(TextPath))
        {
            throw new InvalidInputException("an analysis of text needs a text file");
        }
        if (Source == AnalysisSource.Task && Task is null)
        {
            throw new InvalidInputException("an analysis of task contexts needs a task");
        }
    }
}

public sealed record EvaluationJobSpec : JobSpec
{
    public override JobKind Kind => JobKind.Evaluation;

    public required TaskSpec Task { get; init; }

    /// <summary>Items to score (null: all).</summary>
    public int? Limit { get; init; }

    /// <summary>With a limit: a seeded random subset instead of the first N.</summary>
    public ulong? LimitSeed { get; init; }

    /// <summary>Solved examples in front of every item (multiple-choice tasks; see <see cref="FewShotContext"/>).</summary>
    [JsonPropertyName("num_fewshot")]
    public int NumFewShot { get; init; }

    /// <summary>Seed of the few-shot draw.</summary>
    [JsonPropertyName("fewshot_seed")]
    public ulong FewShotSeed { get; init; } = FewShotContext.DefaultSeed;

    /// <summary>The plans scored beside the baseline, on the same items.</summary>
    public IReadOnlyList<PlanSpec> Plans { get; init; } = [];

    /// <summary>How plans are computed: reference or fused (concurrent gives the same numbers, slower here).</summary>
    public ExecutionMode Mode { get; init; } = ExecutionMode.Fused;

    /// <summary>Items per step; the job can stop between steps and keep what it scored.</summary>
    public int ChunkSize { get; init; } = 32;

    /// <summary>Measure fidelity to the baseline (top-1 agreement, KL) on the scored items' contexts.</summary>
    public bool Fidelity { get; init; } = true;

    public override string Title() => $"evaluation on {Task.Name}" + (Limit is { } n ? $" ({n} items)" : "") + (NumFewShot > 0 ? $", {NumFewShot}-shot" : "")
        + $": baseline + {Plans.Count} plan(s)";

    public override void Validate()
    {
        base.Validate();
        if (Limit is < 1)
        {
            throw new InvalidInputException($"item limit must be at least 1, got {Limit}");
        }
        if (NumFewShot is < 0 or > 64)
        {
            throw new InvalidInputException($"few-shot examples must be between 0 and 64, got {NumFewShot}");
        }
        if (ChunkSize is < 1 or > 10_000)
        {
            throw new InvalidInputException($"chunk size must be between 1 and 10000, got {ChunkSize}");
        }
    }
}

public sealed record LatencyJobSpec : JobSpec
{
    public override JobKind Kind => JobKind.Latency;

    public required PlanSpec Plan { get; init; }

    public IReadOnlyList<ExecutionMode> Modes { get; init; } = [ExecutionMode.Fused];

    public LatencySettings Settings { get; init; } = new() { PromptLength = 64, DecodeTokens = 16, Warmup = 1, Repetitions = 5 };

    /// <summary>Also profile unit times and project to P devices (slower).</summary>
    public bool Project { get; init; }

    public override string Title() => $"latency of {Plan.Name} ({string.Join(", ", Modes.Select(ExecutionModes.Name))}) vs baseline, {Settings.Repetitions} reps";

    public override void Validate()
    {
        base.Validate();
        if (Modes.Count == 0)
        {
            throw new InvalidInputException("a latency job needs at least one execution mode");
        }
        Settings.Validate();
        if (Settings.Repetitions > 1000 || Settings.PromptLength > 8192 || Settings.DecodeTokens > 4096)
        {
            throw new InvalidInputException("latency settings too large (at most 1000 repetitions, 8192 prompt tokens, 4096 decode tokens)");
        }
    }
}

public sealed record GenerationJobSpec : JobSpec
{
    public override JobKind Kind => JobKind.Generation;

    public required string Prompt { get; init; }

    public PlanSpec? Plan { get; init; }

    public ExecutionMode Mode { get; init; } = ExecutionMode.Fused;

    public int MaxNewTokens { get; init; } = 64;

    public double Temperature { get; init; }

    public long Seed { get; init; }

    public override string Title() => $"generation of {MaxNewTokens} tokens: baseline vs {Plan?.Name ?? "baseline"}";

    public override void Validate()
    {
        base.Validate();
        if (string.IsNullOrWhiteSpace(Prompt))
        {
            throw new InvalidInputException("the prompt is empty");
        }
        if (MaxNewTokens is < 1 or > 2048)
        {
            throw new InvalidInputException($"new tokens must be between 1 and 2048, got {MaxNewTokens}");
        }
        new Generation.GenerationOptions { MaxNewTokens = MaxNewTokens, Temperature = Temperature }.Validate();
    }
}
