namespace Cqil.Lab.Core.Jobs;

/// <summary>A job as the scheduler sees it: who asked, what kind, which device, and its place in arrival order.</summary>
public sealed record ScheduledJob(Guid Id, string Owner, JobKind Kind, string Device, long Sequence);

/// <summary>
/// The queue's rules, without threads or storage. Each device runs up to its number of lanes at once.
/// Turns are fair between users: the next job on a device belongs to the waiting user who was served least
/// recently there (never-served users first, then by arrival), and each user's own jobs keep their order. A job
/// that runs alone (latency) starts only on an idle device and nothing else starts beside it; while one waits
/// at the head of the line, later jobs do not overtake it, so it cannot starve. An admin may move a waiting job
/// to the front of its line (<see cref="MoveToFront"/>): moved jobs go first, the latest moved first, and the
/// rest keep their fair order. Thread-safe.
/// </summary>
public sealed class JobScheduler
{
    private readonly object gate = new();
    private readonly Dictionary<string, int> lanes;
    private readonly List<ScheduledJob> waiting = [];
    private readonly Dictionary<Guid, ScheduledJob> running = [];
    private readonly Dictionary<(string Device, string Owner), long> lastTurn = [];
    private readonly List<Guid> movedToFront = [];
    private long turns;

    /// <param name="devices">Device name → lanes (jobs it may run at once, at least 1).</param>
    public JobScheduler(IReadOnlyDictionary<string, int> devices)
    {
        if (devices.Count == 0)
        {
            throw new ArgumentException("a scheduler needs at least one device", nameof(devices));
        }
        foreach (var (name, count) in devices)
        {
            if (count < 1)
            {
                throw new ArgumentException($"device {name} needs at least one lane", nameof(devices));
            }
        }
        lanes = new Dictionary<string, int>(devices, StringComparer.Ordinal);
    }

    public IReadOnlyCollection<string> Devices => lanes.Keys;

    public int Lanes(string device) => lanes[device];

    public void Enqueue(ScheduledJob job)
    {
        lock (gate)
        {
            if (!lanes.ContainsKey(job.Device))
            {
                throw new InvalidInputException($"device '{job.Device}' is not one of this lab's devices ({string.Join(", ", lanes.Keys)})");
            }
            if (waiting.Any(j => j.Id == job.Id) || running.ContainsKey(job.Id))
            {
                throw new InvalidOperationException($"job {job.Id} is already scheduled");
            }
            waiting.Add(job);
        }
    }

    /// <summary>Takes a waiting job out of the line (cancelled before it started). False when it is not waiting.</summary>
    public bool Remove(Guid id)
    {
        lock (gate)
        {
            movedToFront.Remove(id);
            return waiting.RemoveAll(j => j.Id == id) > 0;
        }
    }

    /// <summary>Puts a waiting job at the front of its device's line (an admin's reorder). False when it is not waiting.</summary>
    public bool MoveToFront(Guid id)
    {
        lock (gate)
        {
            if (!waiting.Any(j => j.Id == id))
            {
                return false;
            }
            movedToFront.Remove(id);
            movedToFront.Insert(0, id);
            return true;
        }
    }

    /// <summary>Jobs of <paramref name="owner"/> waiting or running, on every device.</summary>
    public int CountFor(string owner)
    {
        lock (gate)
        {
            return waiting.Count(j => j.Owner == owner) + running.Values.Count(j => j.Owner == owner);
        }
    }

    /// <summary>The next job to start on <paramref name="device"/> now, marked running; null when none may start.</summary>
    public ScheduledJob? TryStart(string device)
    {
        lock (gate)
        {
            var busy = running.Values.Where(j => j.Device == device).ToList();
            if (busy.Any(j => JobKinds.RunsAlone(j.Kind)))
            {
                return null;
            }
            var order = OrderLocked(device);
            if (order.Count == 0)
            {
                return null;
            }
            var next = order[0];
            bool fits = JobKinds.RunsAlone(next.Kind) ? busy.Count == 0 : busy.Count < lanes[device];
            if (!fits)
            {
                return null;
            }
            waiting.Remove(next);
            movedToFront.Remove(next.Id);
            running[next.Id] = next;
            lastTurn[(device, next.Owner)] = ++turns;
            return next;
        }
    }

    /// <summary>A running job ended (whatever its outcome); its lane is free again.</summary>
    public void Finish(Guid id)
    {
        lock (gate)
        {
            running.Remove(id);
        }
    }

    /// <summary>The waiting jobs of a device in the order they will start (if nothing else arrives).</summary>
    public IReadOnlyList<ScheduledJob> Order(string device)
    {
        lock (gate)
        {
            return OrderLocked(device);
        }
    }

    /// <summary>1-based place in its device's line; null when the job is not waiting.</summary>
    public int? Position(Guid id)
    {
        lock (gate)
        {
            var job = waiting.FirstOrDefault(j => j.Id == id);
            if (job is null)
            {
                return null;
            }
            var order = OrderLocked(job.Device);
            return order.FindIndex(j => j.Id == id) + 1;
        }
    }

    public IReadOnlyList<ScheduledJob> Running(string device)
    {
        lock (gate)
        {
            return running.Values.Where(j => j.Device == device).OrderBy(j => j.Sequence).ToList();
        }
    }

    public bool IsRunning(Guid id)
    {
        lock (gate)
        {
            return running.ContainsKey(id);
        }
    }

    public int WaitingCount
    {
        get
        {
            lock (gate)
            {
                return waiting.Count;
            }
        }
    }

    // Jobs an admin moved to the front come first; then the turns are simulated: repeatedly the user served
    // least recently (never-served first, then earliest arrival) gets the next slot with their oldest job.
    private List<ScheduledJob> OrderLocked(string device)
    {
        var front = movedToFront.Select(id => waiting.First(j => j.Id == id)).Where(j => j.Device == device).ToList();
        var perOwner = waiting.Where(j => j.Device == device && !movedToFront.Contains(j.Id))
            .GroupBy(j => j.Owner, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => new Queue<ScheduledJob>(g.OrderBy(j => j.Sequence)), StringComparer.Ordinal);
        var served = perOwner.Keys.ToDictionary(o => o, o => lastTurn.TryGetValue((device, o), out long t) ? t : 0L, StringComparer.Ordinal);
        long virtualTurn = turns;
        var order = new List<ScheduledJob>(front);
        foreach (var job in front)
        {
            served[job.Owner] = ++virtualTurn;
        }
        while (perOwner.Count > 0)
        {
            string owner = perOwner.Keys
                .OrderBy(o => served[o])
                .ThenBy(o => perOwner[o].Peek().Sequence)
                .First();
            var queue = perOwner[owner];
            order.Add(queue.Dequeue());
            served[owner] = ++virtualTurn;
            if (queue.Count == 0)
            {
                perOwner.Remove(owner);
            }
        }
        return order;
    }
}
