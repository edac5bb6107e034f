using Cqil.Lab.Core.Jobs;
using Microsoft.EntityFrameworkCore;

namespace Cqil.Lab.Web.Data;

/// <summary>Jobs and runs in the database. Every status change goes through <see cref="JobStatuses.CheckMove"/>.</summary>
public sealed class JobStore(IDbContextFactory<LabDbContext> factory)
{
    public async Task InsertAsync(JobRecord job)
    {
        await using var db = await factory.CreateDbContextAsync();
        db.Jobs.Add(job);
        await db.SaveChangesAsync();
    }

    public async Task<long> NextSequenceAsync()
    {
        await using var db = await factory.CreateDbContextAsync();
        return (await db.Jobs.MaxAsync(j => (long?)j.Sequence) ?? 0) + 1;
    }

    public async Task<JobRecord?> GetAsync(Guid id)
    {
        await using var db = await factory.CreateDbContextAsync();
        return await db.Jobs.AsNoTracking().FirstOrDefaultAsync(j => j.Id == id);
    }

    /// <summary>Newest first; without result JSON unless asked (it can be large).</summary>
    public async Task<IReadOnlyList<JobRecord>> ListAsync(int take = 200, Guid? runId = null, JobKind? kind = null, bool withResults = false, string? modelPath = null)
    {
        await using var db = await factory.CreateDbContextAsync();
        var query = db.Jobs.AsNoTracking();
        if (runId is Guid r)
        {
            query = query.Where(j => j.RunId == r);
        }
        if (kind is JobKind k)
        {
            query = query.Where(j => j.Kind == k);
        }
        if (modelPath is not null)
        {
            query = query.Where(j => j.ModelPath == modelPath);
        }
        query = query.OrderByDescending(j => j.Sequence).Take(take);
        if (!withResults)
        {
            query = query.Select(j => new JobRecord
            {
                Id = j.Id, RunId = j.RunId, Kind = j.Kind, Status = j.Status, Owner = j.Owner, Device = j.Device, ModelPath = j.ModelPath,
                ModelName = j.ModelName, Title = j.Title, SpecJson = j.SpecJson, ResultJson = null, Partial = j.Partial, Progress = j.Progress,
                ProgressMessage = j.ProgressMessage, Summary = j.Summary, Error = j.Error, Sequence = j.Sequence, CreatedUtc = j.CreatedUtc,
                StartedUtc = j.StartedUtc, FinishedUtc = j.FinishedUtc,
            });
        }
        return await query.ToListAsync();
    }

    public async Task<IReadOnlyList<JobRecord>> WithStatusAsync(JobStatus status)
    {
        await using var db = await factory.CreateDbContextAsync();
        return await db.Jobs.AsNoTracking().Where(j => j.Status == status).OrderBy(j => j.Sequence).ToListAsync();
    }

    /// <summary>Changes a job's status (checked), with whatever else the change brings.</summary>
    public async Task<JobRecord> MoveAsync(Guid id, JobStatus to, Action<JobRecord>? update = null)
    {
        await using var db = await factory.CreateDbContextAsync();
        var job = await db.Jobs.FirstAsync(j => j.Id == id);
        JobStatuses.CheckMove(job.Status, to);
        job.Status = to;
        var now = DateTime.UtcNow;
        if (to == JobStatus.Running)
        {
            job.StartedUtc = now;
        }
        else
        {
            job.FinishedUtc = now;
        }
        update?.Invoke(job);
        await db.SaveChangesAsync();
        return job;
    }

    public async Task SaveProgressAsync(Guid id, double fraction, string message)
    {
        await using var db = await factory.CreateDbContextAsync();
        await db.Jobs.Where(j => j.Id == id && j.Status == JobStatus.Running)
            .ExecuteUpdateAsync(s => s.SetProperty(j => j.Progress, fraction).SetProperty(j => j.ProgressMessage, message));
    }

    /// <summary>At startup: jobs the last process left running were cut off; they become interrupted.</summary>
    public async Task<int> InterruptLeftoversAsync()
    {
        await using var db = await factory.CreateDbContextAsync();
        var now = DateTime.UtcNow;
        return await db.Jobs.Where(j => j.Status == JobStatus.Running).ExecuteUpdateAsync(s => s
            .SetProperty(j => j.Status, JobStatus.Interrupted)
            .SetProperty(j => j.FinishedUtc, now)
            .SetProperty(j => j.Error, "the lab server stopped while this job was running"));
    }

    public async Task<RunRecord> CreateRunAsync(string name, string owner, string modelPath, string modelName)
    {
        await using var db = await factory.CreateDbContextAsync();
        var run = new RunRecord { Id = Guid.NewGuid(), Name = name, Owner = owner, ModelPath = modelPath, ModelName = modelName, CreatedUtc = DateTime.UtcNow };
        db.Runs.Add(run);
        await db.SaveChangesAsync();
        return run;
    }

    public async Task<IReadOnlyList<RunRecord>> RunsAsync()
    {
        await using var db = await factory.CreateDbContextAsync();
        return await db.Runs.AsNoTracking().OrderByDescending(r => r.CreatedUtc).ToListAsync();
    }

    public async Task<RunRecord?> RunAsync(Guid id)
    {
        await using var db = await factory.CreateDbContextAsync();
        return await db.Runs.AsNoTracking().FirstOrDefaultAsync(r => r.Id == id);
    }
}
