using Cqil.Lab.Core.Jobs;

namespace Cqil.Lab.Web.Hosting;

/// <summary>A job's live state, as pages show it.</summary>
public sealed record JobUpdate(Guid Id, JobKind Kind, JobStatus Status, double Progress, string? Message, int? Position, bool Partial, string? Summary, string? Error, Guid? RunId);

/// <summary>
/// Live notifications from the queue to open pages. Raised on worker threads (often a job's device thread):
/// subscribers marshal to their renderer with InvokeAsync and unsubscribe when disposed. A subscriber that throws
/// is logged and skipped — a closed browser tab must never fail somebody's job.
/// </summary>
public sealed class JobEvents(ILogger<JobEvents> logger)
{
    public event Action<JobUpdate>? Changed;

    public event Action<Guid, GeneratedToken>? Token;

    public void RaiseChanged(JobUpdate update)
    {
        foreach (var handler in Changed?.GetInvocationList().Cast<Action<JobUpdate>>() ?? [])
        {
            try
            {
                handler(update);
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "a job update subscriber failed");
            }
        }
    }

    public void RaiseToken(Guid job, GeneratedToken token)
    {
        foreach (var handler in Token?.GetInvocationList().Cast<Action<Guid, GeneratedToken>>() ?? [])
        {
            try
            {
                handler(job, token);
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "a token subscriber failed");
            }
        }
    }
}
