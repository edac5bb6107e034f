using System.Text.Json;
using Cqil.Lab.Core.Model;

namespace Cqil.Lab.Core.Latency;

/// <summary>A latency measurement with its provenance: machine, model, settings, thread trials, every runner.</summary>
public sealed record LatencyReport
{
    public string Schema { get; init; } = "cqil-lab/latency";
    public int SchemaVersion { get; init; } = 1;
    public required MachineInfo Machine { get; init; }
    public required ModelIdentity Model { get; init; }
    public required string Dtype { get; init; }

    /// <summary>Where the model ran ("cpu", "cuda:0"); null in reports written before it was recorded.</summary>
    public string? Device { get; init; }

    /// <summary>Layers in the plan's largest group (the latency lab measures one plan; 0 when not recorded).</summary>
    public int LargestGroup { get; init; }
    public required LatencySettings Settings { get; init; }

    /// <summary>Every thread count tried for every runner (the baseline's, timed in every measured round, prove it got its own best).</summary>
    public required IReadOnlyList<ThreadTrial> ThreadTrials { get; init; }

    public required RunnerLatency Baseline { get; init; }
    public required IReadOnlyList<RunnerLatency> Runs { get; init; }
    public ProjectionTable? Projection { get; init; }
    public DateTime CreatedUtc { get; init; } = DateTime.UtcNow;
    public double ElapsedSeconds { get; init; }

    /// <summary>True when the measurement was stopped early: only the repetitions every runner finished are summarized, and there is no projection.</summary>
    public bool Partial { get; init; }

    private static readonly JsonSerializerOptions Options = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public string ToJson() => JsonSerializer.Serialize(this, Options);
}
