using System.Collections.Concurrent;
using Cqil.Lab.Core;
using Cqil.Lab.Core.Access;
using Cqil.Lab.Core.Jobs;
using Cqil.Lab.Core.Runtime;
using Cqil.Lab.Web.Data;
using Microsoft.Extensions.Options;
using TorchSharp;

namespace Cqil.Lab.Web.Hosting;

/// <summary>
/// The lab's job queue: a hosted service with one worker per compute device. Each device has its lanes (device
/// worker threads, where all of a job's tensor work runs — never a circuit or request thread); the
/// <see cref="JobScheduler"/> decides which job starts next (fair turns between users, latency jobs alone on their
/// device). Every state change is written to the database first and then announced through <see cref="JobEvents"/>.
/// On start, jobs a previous process left running become interrupted and queued ones are queued again.
/// </summary>
public sealed class JobQueue : BackgroundService
{
    private sealed class Active
    {
        public CancellationTokenSource Cts { get; } = new();
        public JobProgress Last;
        public DateTime LastSaved = DateTime.MinValue;
        public volatile bool ServerStopping;
        public Task? Execution;
    }

    private readonly JobStore store;
    private readonly JobEvents events;
    private readonly ModelPool models;
    private readonly LabModels labModels;
    private readonly LabOptions options;
    private readonly ILogger<JobQueue> logger;
    private readonly JobScheduler scheduler;
    private readonly Dictionary<string, torch.Device> devices = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ConcurrentBag<DeviceWorker>> freeLanes = new(StringComparer.Ordinal);
    private readonly List<DeviceWorker> allLanes = [];
    private readonly ConcurrentDictionary<Guid, Active> running = new();
    private readonly SemaphoreSlim signal = new(0);
    // Submissions pass one at a time, so counting a user's jobs and queueing new ones cannot interleave.
    private readonly SemaphoreSlim admission = new(1, 1);
    private readonly object dispatchGate = new();
    private long sequence;
    private volatile bool stopping;

    public JobQueue(JobStore store, JobEvents events, ModelPool models, LabModels labModels, IOptions<LabOptions> options, ILogger<JobQueue> logger)
    {
        this.store = store;
        this.events = events;
        this.models = models;
        this.labModels = labModels;
        this.options = options.Value;
        this.logger = logger;
        var configured = this.options.EffectiveDevices;
        scheduler = new JobScheduler(configured.ToDictionary(d => d.Name.Trim().ToLowerInvariant(), d => d.Lanes));
        foreach (var d in configured)
        {
            string name = d.Name.Trim().ToLowerInvariant();
            devices[name] = TorchRuntime.ParseDevice(name);
            var lanes = new ConcurrentBag<DeviceWorker>();
            for (int i = 0; i < d.Lanes; i++)
            {
                var lane = new DeviceWorker(devices[name], d.EffectiveThreads, $"lab-{name}-lane{i}");
                lanes.Add(lane);
                allLanes.Add(lane);
            }
            freeLanes[name] = lanes;
        }
    }

    public IReadOnlyCollection<string> Devices => scheduler.Devices;

    public string DefaultDevice => scheduler.Devices.First();

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        int interrupted = await store.InterruptLeftoversAsync();
        if (interrupted > 0)
        {
            logger.LogWarning("{Count} job(s) were running when the lab last stopped; they are marked interrupted", interrupted);
        }
        foreach (var job in await store.WithStatusAsync(JobStatus.Queued))
        {
            string device = scheduler.Devices.Contains(job.Device) ? job.Device : DefaultDevice;
            scheduler.Enqueue(new ScheduledJob(job.Id, job.Owner, job.Kind, device, job.Sequence));
        }
        sequence = await store.NextSequenceAsync();
        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        try
        {
            await EnsureDefaultAnalysisAsync();
        }
        catch (Exception e) when (e is InvalidInputException or IOException)
        {
            logger.LogWarning("the default model's first analysis was not started: {Message}", e.Message);
        }
        while (!stoppingToken.IsCancellationRequested)
        {
            Dispatch();
            try
            {
                await signal.WaitAsync(stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    /// <summary>Queues a job; it starts when the scheduler gives it a lane.</summary>
    public async Task<JobRecord> SubmitAsync(JobSpec spec, LabCaller caller, string modelName, Guid? runId = null, string? device = null) =>
        (await SubmitAllAsync([spec], caller, modelName, runId is Guid r ? () => Task.FromResult(r) : null, device))[0];

    /// <summary>
    /// Queues jobs together, or none of them: when they would take the caller over the queued-jobs limit, a
    /// <see cref="QueueLimitException"/> says so. <paramref name="createRun"/>, when given, runs after the check and
    /// gives the run the jobs belong to.
    /// </summary>
    public async Task<IReadOnlyList<JobRecord>> SubmitAllAsync(IReadOnlyList<JobSpec> specs, LabCaller caller, string modelName, Func<Task<Guid>>? createRun = null, string? device = null)
    {
        foreach (var spec in specs)
        {
            spec.Validate();
        }
        if (stopping)
        {
            throw new InvalidInputException("the lab is shutting down; submit the job again after it restarts");
        }
        device = device?.Trim().ToLowerInvariant() ?? DefaultDevice;
        if (!scheduler.Devices.Contains(device))
        {
            throw new InvalidInputException($"device '{device}' is not one of this lab's devices ({string.Join(", ", scheduler.Devices)})");
        }
        await admission.WaitAsync();
        try
        {
            int limit = options.Limits.QueuedJobsPerUser, have = scheduler.CountFor(caller.Name);
            if (!caller.IsSystem && have + specs.Count > limit)
            {
                throw new QueueLimitException($"{caller.Name} has {have} job(s) queued or running and asked for {specs.Count} more; "
                    + $"the limit is {limit} per user (Lab:Limits:QueuedJobsPerUser) — wait for some to finish or cancel some");
            }
            Guid? runId = createRun is null ? null : await createRun();
            var records = new List<JobRecord>();
            foreach (var spec in specs)
            {
                var record = new JobRecord
                {
                    Id = Guid.NewGuid(),
                    RunId = runId,
                    Kind = spec.Kind,
                    Status = JobStatus.Queued,
                    Owner = caller.Name,
                    Device = device,
                    ModelPath = spec.ModelPath,
                    ModelName = modelName,
                    Title = spec.TitleWithDtype(),
                    SpecJson = spec.ToJson(),
                    Sequence = Interlocked.Increment(ref sequence),
                    CreatedUtc = DateTime.UtcNow,
                };
                await store.InsertAsync(record);
                scheduler.Enqueue(new ScheduledJob(record.Id, caller.Name, record.Kind, device, record.Sequence));
                records.Add(record);
            }
            foreach (var record in records)
            {
                Publish(record);
            }
            signal.Release();
            return records;
        }
        finally
        {
            admission.Release();
        }
    }

    /// <summary>Moves a waiting job to the front of its device's line; false when it is not waiting.</summary>
    public async Task<bool> MoveToFrontAsync(Guid id)
    {
        if (!scheduler.MoveToFront(id))
        {
            return false;
        }
        if (await store.GetAsync(id) is { } record)
        {
            Publish(record);
        }
        return true;
    }

    /// <summary>Cancels a queued job at once, or asks a running one to stop (it keeps what it finished, marked partial).</summary>
    public async Task<bool> CancelAsync(Guid id)
    {
        if (scheduler.Remove(id))
        {
            var record = await store.MoveAsync(id, JobStatus.Cancelled, j => j.Error = "cancelled before it started");
            Publish(record);
            signal.Release();
            return true;
        }
        if (running.TryGetValue(id, out var active))
        {
            active.Cts.Cancel();
            return true;
        }
        return false;
    }

    /// <summary>1-based place in its device's line, null when not waiting.</summary>
    public int? Position(Guid id) => scheduler.Position(id);

    /// <summary>The live progress of a running job (fresher than the database).</summary>
    public JobProgress? LiveProgress(Guid id) => running.TryGetValue(id, out var a) ? a.Last : null;

    public bool IsRunning(Guid id) => running.ContainsKey(id);

    private void Dispatch()
    {
        lock (dispatchGate)
        {
            if (stopping)
            {
                return;
            }
            foreach (var device in scheduler.Devices)
            {
                var lanes = freeLanes[device];
                while (lanes.TryTake(out var lane))
                {
                    var job = scheduler.TryStart(device);
                    if (job is null)
                    {
                        lanes.Add(lane);
                        break;
                    }
                    var active = new Active();
                    running[job.Id] = active;
                    active.Execution = Task.Run(() => ExecuteJobAsync(job, lane, active));
                }
            }
        }
    }

    private async Task ExecuteJobAsync(ScheduledJob job, DeviceWorker lane, Active active)
    {
        try
        {
            var record = await store.MoveAsync(job.Id, JobStatus.Running, j => { j.Progress = 0; j.ProgressMessage = "starting"; });
            Publish(record);
            JobRecord final;
            try
            {
                var spec = JobSpec.Parse(record.SpecJson);
                var context = new JobContext(active.Cts.Token, devices[job.Device], models, p => OnProgress(job.Id, record, active, p), t => events.RaiseToken(job.Id, t));
                var outcome = await lane.RunAsync(() => JobRunner.Run(spec, context));
                var status = active.Cts.IsCancellationRequested && outcome.Partial
                    ? (active.ServerStopping ? JobStatus.Interrupted : JobStatus.Cancelled)
                    : JobStatus.Done;
                final = await store.MoveAsync(job.Id, status, j =>
                {
                    j.ResultJson = outcome.ResultJson;
                    j.Partial = outcome.Partial;
                    j.Summary = outcome.Summary;
                    j.Progress = status == JobStatus.Done ? 1 : active.Last.Fraction;
                    j.ProgressMessage = status == JobStatus.Done ? "done" : "stopped early; partial result kept";
                });
            }
            catch (OperationCanceledException)
            {
                var status = active.ServerStopping ? JobStatus.Interrupted : JobStatus.Cancelled;
                final = await store.MoveAsync(job.Id, status, j =>
                {
                    j.Error = active.ServerStopping ? "the lab server stopped while this job was running" : "cancelled before anything was finished";
                    j.Progress = active.Last.Fraction;
                });
            }
            catch (Exception e)
            {
                string message = e is InvalidInputException ? e.Message : $"{e.GetType().Name}: {e.Message}";
                if (e is not InvalidInputException)
                {
                    logger.LogError(e, "job {Id} failed", job.Id);
                }
                final = await store.MoveAsync(job.Id, JobStatus.Failed, j => j.Error = message);
            }
            Publish(final);
        }
        catch (Exception e)
        {
            logger.LogError(e, "job {Id}: bookkeeping failed", job.Id);
        }
        finally
        {
            running.TryRemove(job.Id, out _);
            scheduler.Finish(job.Id);
            freeLanes[job.Device].Add(lane);
            signal.Release();
        }
    }

    private void OnProgress(Guid id, JobRecord record, Active active, JobProgress progress)
    {
        active.Last = progress;
        events.RaiseChanged(new JobUpdate(id, record.Kind, JobStatus.Running, progress.Fraction, progress.Message, null, false, null, null, record.RunId));
        var now = DateTime.UtcNow;
        if (now - active.LastSaved > TimeSpan.FromSeconds(1))
        {
            active.LastSaved = now;
            _ = Task.Run(() => store.SaveProgressAsync(id, progress.Fraction, progress.Message));
        }
    }

    private void Publish(JobRecord record) =>
        events.RaiseChanged(new JobUpdate(record.Id, record.Kind, record.Status, record.Progress, record.ProgressMessage, scheduler.Position(record.Id),
            record.Partial, record.Summary, record.Error, record.RunId));

    /// <summary>So a newcomer's first page shows the demo model's heatmap: analyse it once if it never was.</summary>
    private async Task EnsureDefaultAnalysisAsync()
    {
        if (!options.AnalyzeDefaultModelOnStartup || labModels.Default is not { } model || !labModels.IsDefault(model) || labModels.DemoText(model) is not { } text)
        {
            return;
        }
        var earlier = await store.ListAsync(take: 1000, kind: JobKind.Analysis, modelPath: model.Path);
        if (earlier.Any(j => j.Status is JobStatus.Done or JobStatus.Queued or JobStatus.Running))
        {
            return;
        }
        var spec = new AnalysisJobSpec { ModelPath = model.Path, Source = AnalysisSource.Text, TextPath = text, DataLabel = "held-out text", Samples = 32, SequenceLength = 128 };
        await SubmitAsync(spec, LabCaller.System, model.Name);
        logger.LogInformation("analysing the default model {Model} once, so its heatmap is ready", model.Name);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        stopping = true;
        foreach (var active in running.Values)
        {
            active.ServerStopping = true;
            active.Cts.Cancel();
        }
        await base.StopAsync(cancellationToken);
        var executions = running.Values.Select(a => a.Execution).OfType<Task>().ToArray();
        await Task.WhenAny(Task.WhenAll(executions), Task.Delay(TimeSpan.FromSeconds(10), CancellationToken.None));
    }

    private int disposed;

    public override void Dispose()
    {
        // Registered as itself and as a hosted service, so the container disposes it twice.
        if (Interlocked.Exchange(ref disposed, 1) == 1)
        {
            return;
        }
        base.Dispose();
        if (running.IsEmpty)
        {
            allLanes.ForEach(l => l.Dispose());
        }
        signal.Dispose();
        admission.Dispose();
    }
}
