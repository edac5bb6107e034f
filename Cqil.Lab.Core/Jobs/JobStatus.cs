namespace Cqil.Lab.Core.Jobs;

/// <summary>
/// Where a job is. Queued → Running → Done, Failed or Cancelled; a queued job may be cancelled before it
/// starts; a job the server stopped (shutdown, crash) without finishing is Interrupted.
/// </summary>
public enum JobStatus
{
    Queued,
    Running,
    Done,
    Failed,
    Cancelled,
    Interrupted,
}

public static class JobStatuses
{
    public static string Name(JobStatus status) => status.ToString().ToLowerInvariant();

    public static bool IsFinished(JobStatus status) => status is JobStatus.Done or JobStatus.Failed or JobStatus.Cancelled or JobStatus.Interrupted;

    /// <summary>The moves a job may make; everything else is a bug in the caller.</summary>
    public static bool CanMove(JobStatus from, JobStatus to) => (from, to) switch
    {
        (JobStatus.Queued, JobStatus.Running) => true,
        (JobStatus.Queued, JobStatus.Cancelled) => true,
        (JobStatus.Running, JobStatus.Done or JobStatus.Failed or JobStatus.Cancelled or JobStatus.Interrupted) => true,
        _ => false,
    };

    public static void CheckMove(JobStatus from, JobStatus to)
    {
        if (!CanMove(from, to))
        {
            throw new InvalidOperationException($"a job cannot go from {Name(from)} to {Name(to)}");
        }
    }
}
