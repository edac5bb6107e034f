using Cqil.Lab.Core.Jobs;

namespace Cqil.Lab.Web.Hosting;

/// <summary>A job's live state, as pages show it.</summary>
public sealed record JobUpdate(Guid Id, JobKind Kind, JobStatus Status, double Progress, string? Message, int? Position, bool Partial, string? Summary, string? Error, Guid? RunId);

/// <summary>
/// Live notifications from the queue to open pages (raised on worker threads: subscribers must marshal to their
/// renderer with InvokeAsync, and unsubscribe when disposed).
/// </summary>
public sealed class JobEvents
{
    public event Action<JobUpdate>? Changed;

    public event Action<Guid, GeneratedToken>? Token;

    public void RaiseChanged(JobUpdate update) => Changed?.Invoke(update);

    public void RaiseToken(Guid job, GeneratedToken token) => Token?.Invoke(job, token);
}
