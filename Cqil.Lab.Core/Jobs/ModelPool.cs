using Cqil.Lab.Core.Checkpoints;
using static TorchSharp.torch;

namespace Cqil.Lab.Core.Jobs;

/// <summary>A loaded model lent to one job; disposing it gives it back to the pool (the model stays loaded).</summary>
public sealed class ModelLease : IDisposable
{
    private readonly Action release;
    private int released;

    internal ModelLease(LoadedModel model, Action release)
    {
        Loaded = model;
        this.release = release;
    }

    public LoadedModel Loaded { get; }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref released, 1) == 0)
        {
            release();
        }
    }
}

/// <summary>
/// Keeps recently used models loaded so consecutive jobs on one model do not reload it. Loading happens on the
/// calling thread (a device worker). Up to <see cref="Capacity"/> models stay loaded; the least recently used one
/// nobody holds is freed first. Models in use are never freed. Thread-safe.
/// </summary>
public sealed class ModelPool(int capacity) : IDisposable
{
    private sealed class Slot(LoadedModel model)
    {
        public LoadedModel Model { get; } = model;
        public int Users;
        public long LastUsed;
    }

    private readonly object gate = new();
    private readonly SemaphoreSlim loading = new(1, 1);
    private readonly Dictionary<string, Slot> slots = new(StringComparer.Ordinal);
    private long clock;

    public int Capacity { get; } = Math.Max(1, capacity);

    public int LoadedCount
    {
        get
        {
            lock (gate)
            {
                return slots.Count;
            }
        }
    }

    public ModelLease Acquire(string path, ScalarType dtype, Device device)
    {
        string key = $"{Path.GetFullPath(path)}|{dtype}|{device}";
        if (TryLease(key) is { } lease)
        {
            return lease;
        }
        loading.Wait();
        try
        {
            if (TryLease(key) is { } loadedMeanwhile)
            {
                return loadedMeanwhile;
            }
            var model = CheckpointLoader.Load(path, null, dtype, device);
            lock (gate)
            {
                slots[key] = new Slot(model);
                Evict();
            }
            return TryLease(key)!;
        }
        finally
        {
            loading.Release();
        }
    }

    private ModelLease? TryLease(string key)
    {
        lock (gate)
        {
            if (!slots.TryGetValue(key, out var slot))
            {
                return null;
            }
            slot.Users++;
            slot.LastUsed = ++clock;
            return new ModelLease(slot.Model, () => Release(key, slot));
        }
    }

    private void Release(string key, Slot slot)
    {
        lock (gate)
        {
            slot.Users--;
            Evict();
        }
    }

    // Caller holds the gate.
    private void Evict()
    {
        while (slots.Count > Capacity)
        {
            var idle = slots.Where(s => s.Value.Users == 0).OrderBy(s => s.Value.LastUsed).FirstOrDefault();
            if (idle.Value is null)
            {
                return;
            }
            slots.Remove(idle.Key);
            idle.Value.Model.Dispose();
        }
    }

    public void Dispose()
    {
        lock (gate)
        {
            foreach (var slot in slots.Values)
            {
                slot.Model.Dispose();
            }
            slots.Clear();
        }
        loading.Dispose();
    }
}
