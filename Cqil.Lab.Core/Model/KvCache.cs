using TorchSharp;
using static TorchSharp.torch;

namespace Cqil.Lab.Core.Model;

/// <summary>
/// The decoding state of one batch: how many positions are cached, which of them are real tokens (when the
/// batch is padded), and one <see cref="KvSlot"/> per attention unit. Which units exist is up to the
/// executor that runs the model (one per layer, one per fused group, slots on several devices…).
/// </summary>
public sealed class KvCache : IDisposable
{
    private readonly Dictionary<int, KvSlot> slots = new();
    private readonly object slotsLock = new();

    public KvCache(int batch, int capacity, Device device)
    {
        if (batch < 1 || capacity < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(capacity), "a cache needs a positive batch and capacity");
        }
        Batch = batch;
        Capacity = capacity;
        Device = device;
    }

    public int Batch { get; }
    public int Capacity { get; private set; }
    public Device Device { get; }

    /// <summary>Positions already cached (the same for every sample; padded samples carry masked positions).</summary>
    public int Length { get; private set; }

    /// <summary>[B, Capacity] bool, true where a cached position holds a real token; null while nothing was padded.</summary>
    public Tensor? KeyMask { get; private set; }

    /// <summary>[B] int64, real tokens cached per sample (rotary positions continue from here); null while unpadded.</summary>
    public Tensor? RealTokens { get; private set; }

    /// <summary>
    /// The slot for an attention unit, created on first use by <paramref name="create"/>. Safe to call from
    /// several worker threads at once (the concurrent executor runs a group's layers in parallel).
    /// </summary>
    public KvSlot Slot(int unit, Func<KvSlot> create)
    {
        lock (slotsLock)
        {
            if (!slots.TryGetValue(unit, out var slot))
            {
                slot = create();
                if (slot.Capacity < Capacity)
                {
                    slot.Grow(Capacity, Length);
                }
                slots[unit] = slot;
            }
            return slot;
        }
    }

    /// <summary>Makes room for <paramref name="newTokens"/> more positions (doubling), before a forward pass.</summary>
    public void Reserve(int newTokens)
    {
        int needed = Length + newTokens;
        if (needed <= Capacity)
        {
            return;
        }
        int capacity = Math.Max(needed, Capacity * 2);
        foreach (var slot in slots.Values)
        {
            slot.Grow(capacity, Length);
        }
        if (KeyMask is not null)
        {
            var mask = zeros([Batch, capacity], ScalarType.Bool, Device).DetachFromDisposeScope();
            using (NewDisposeScope())
            {
                mask.narrow(1, 0, Length).copy_(KeyMask.narrow(1, 0, Length));
            }
            KeyMask.Dispose();
            KeyMask = mask;
        }
        Capacity = capacity;
    }

    /// <summary>Records which of the next <c>T</c> positions are real ([B, T] bool); switches the cache to padded mode.</summary>
    internal void RecordPadding(Tensor newTokenMask)
    {
        long t = newTokenMask.shape[1];
        if (KeyMask is null)
        {
            KeyMask = ones([Batch, Capacity], ScalarType.Bool, Device).DetachFromDisposeScope();
            using var length = ((long)Length).ToScalar(); // disposed after the call, so alive during it (see Scalars)
            RealTokens = full([Batch], length, ScalarType.Int64, Device).DetachFromDisposeScope();
        }
        KeyMask.narrow(1, Length, t).copy_(newTokenMask);
        RealTokens!.add_(newTokenMask.sum([1], type: ScalarType.Int64), Scalars.IntegerOne);
    }

    /// <summary>Commits <paramref name="tokens"/> positions after every unit has appended them.</summary>
    public void Advance(int tokens) => Length += tokens;

    /// <summary>
    /// A new cache holding the samples <paramref name="samples"/> of this one (a sample may appear several
    /// times), so several continuations can run after one computed prefix (shared-context scoring). Only the
    /// last <paramref name="positions"/> cached positions are kept: with left-padded prefixes the dropped
    /// ones must be padding for every selected sample. The copy has room for <paramref name="capacity"/> positions.
    /// </summary>
    public KvCache SelectSamples(IReadOnlyList<int> samples, int positions, int capacity)
    {
        if (positions > Length || capacity < positions || samples.Count == 0)
        {
            throw new ArgumentOutOfRangeException(nameof(positions), $"cannot keep {positions} of {Length} positions in a cache of {capacity} for {samples.Count} samples");
        }
        if (KeyMask is null && positions != Length)
        {
            throw new ArgumentException("an unpadded cache holds no padding to drop", nameof(positions));
        }
        int start = Length - positions;
        var selected = new KvCache(samples.Count, capacity, Device) { Length = positions };
        using var scope = NewDisposeScope();
        long[] rows = samples.Select(i => (long)i).ToArray();
        foreach (var (unit, slot) in slots)
        {
            selected.slots[unit] = slot.Select(rows, start, positions, capacity);
        }
        var index = tensor(rows, ScalarType.Int64, Device);
        if (KeyMask is not null)
        {
            selected.KeyMask = zeros([samples.Count, capacity], ScalarType.Bool, Device).DetachFromDisposeScope();
            selected.KeyMask.narrow(1, 0, positions).copy_(KeyMask.narrow(1, start, positions).index_select(0, index));
            // Rotary positions count real tokens, so dropping leading padding leaves them unchanged.
            selected.RealTokens = RealTokens!.index_select(0, index).DetachFromDisposeScope();
        }
        return selected;
    }

    /// <summary>
    /// One cache holding the samples of <paramref name="parts"/> in order, each right-aligned to the longest part
    /// (shorter ones left-padded with masked positions), so rows can select samples of caches filled by
    /// separate passes (<see cref="SelectSamples"/>). Every part must hold the same attention units.
    /// </summary>
    public static KvCache Stack(IReadOnlyList<KvCache> parts)
    {
        if (parts.Count == 0)
        {
            throw new ArgumentException("nothing to stack", nameof(parts));
        }
        var units = parts[0].slots.Keys.Order().ToArray();
        var device = parts[0].Device;
        if (parts.Any(p => !p.slots.Keys.Order().SequenceEqual(units) || p.Device.type != device.type || p.Device.index != device.index))
        {
            throw new ArgumentException("stacked caches must hold the same attention units on the same device", nameof(parts));
        }
        int length = parts.Max(p => p.Length);
        var stacked = new KvCache(parts.Sum(p => p.Batch), Math.Max(1, length), device) { Length = length };
        using var scope = NewDisposeScope();
        long[] lengths = parts.Select(p => (long)p.Length).ToArray();
        foreach (int unit in units)
        {
            stacked.slots[unit] = KvSlot.Stack(parts.Select(p => p.slots[unit]).ToArray(), lengths, length);
        }
        if (parts.Any(p => p.KeyMask is not null || p.Length != length))
        {
            var mask = zeros([stacked.Batch, stacked.Capacity], ScalarType.Bool, stacked.Device);
            var real = new List<Tensor>();
            int offset = 0;
            foreach (var part in parts)
            {
                var target = mask.narrow(0, offset, part.Batch).narrow(1, length - part.Length, part.Length);
                if (part.KeyMask is null)
                {
                    target.fill_(Scalars.True);
                }
                else
                {
                    target.copy_(part.KeyMask.narrow(1, 0, part.Length));
                }
                if (part.RealTokens is { } known)
                {
                    real.Add(known);
                }
                else
                {
                    using var partLength = ((long)part.Length).ToScalar();
                    real.Add(full([part.Batch], partLength, ScalarType.Int64, part.Device));
                }
                offset += part.Batch;
            }
            stacked.KeyMask = mask.DetachFromDisposeScope();
            stacked.RealTokens = cat(real, 0).DetachFromDisposeScope();
        }
        return stacked;
    }

    public void Dispose()
    {
        foreach (var slot in slots.Values)
        {
            slot.Dispose();
        }
        slots.Clear();
        KeyMask?.Dispose();
        RealTokens?.Dispose();
    }
}
