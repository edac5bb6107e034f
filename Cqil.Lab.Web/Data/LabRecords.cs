using Cqil.Lab.Core.Jobs;

namespace Cqil.Lab.Web.Data;

/// <summary>A saved, named plan (its lab JSON and the figures shown in lists).</summary>
public sealed class PlanRecord
{
    public Guid Id { get; set; }
    public required string Name { get; set; }
    public required string Owner { get; set; }
    public string? ModelName { get; set; }
    public string? ModelFingerprint { get; set; }
    public int LayerCount { get; set; }
    public required string Description { get; set; }
    public int SequentialDepth { get; set; }
    public double IdealReduction { get; set; }
    public required string Json { get; set; }
    public DateTime CreatedUtc { get; set; }
    public DateTime UpdatedUtc { get; set; }
}

/// <summary>A submission from the Run page: the jobs it started share its id.</summary>
public sealed class RunRecord
{
    public Guid Id { get; set; }
    public required string Name { get; set; }
    public required string Owner { get; set; }
    public required string ModelPath { get; set; }
    public required string ModelName { get; set; }
    public DateTime CreatedUtc { get; set; }
}

/// <summary>A job: what was asked (spec JSON), where it is, and what it produced.</summary>
public sealed class JobRecord
{
    public Guid Id { get; set; }
    public Guid? RunId { get; set; }
    public JobKind Kind { get; set; }
    public JobStatus Status { get; set; }
    public required string Owner { get; set; }
    public required string Device { get; set; }
    public required string ModelPath { get; set; }
    public required string ModelName { get; set; }
    public required string Title { get; set; }
    public required string SpecJson { get; set; }
    public string? ResultJson { get; set; }

    /// <summary>The result covers only part of the work (the job was stopped early).</summary>
    public bool Partial { get; set; }

    public double Progress { get; set; }
    public string? ProgressMessage { get; set; }
    public string? Summary { get; set; }
    public string? Error { get; set; }

    /// <summary>Arrival order (the scheduler's tie-break).</summary>
    public long Sequence { get; set; }

    public DateTime CreatedUtc { get; set; }
    public DateTime? StartedUtc { get; set; }
    public DateTime? FinishedUtc { get; set; }
}
