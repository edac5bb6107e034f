using static TorchSharp.torch;

namespace Cqil.Lab.Core.Model;

/// <summary>
/// Preallocated key/value storage for one attention unit: a single layer, or a fused group whose heads are
/// stacked ([B, P·kvHeads, capacity, headDim]). Appending writes in place, so decode does not re-copy the
/// history each step.
/// </summary>
public sealed class KvSlot : IDisposable
{
    public KvSlot(long batch, long heads, long capacity, long headDim, ScalarType dtype, Device device)
    {
        Keys = zeros([batch, heads, capacity, headDim], dtype, device).DetachFromDisposeScope();
        Values = zeros([batch, heads, capacity, headDim], dtype, device).DetachFromDisposeScope();
    }

    private KvSlot(Tensor keys, Tensor values)
    {
        Keys = keys;
        Values = values;
    }

    public Tensor Keys { get; private set; }
    public Tensor Values { get; private set; }

    public long Capacity => Keys.shape[2];

    /// <summary>Writes new keys/values [B, H, T, D] at <paramref name="position"/> and returns views of [0, position+T).</summary>
    public (Tensor Keys, Tensor Values) Append(long position, Tensor keys, Tensor values)
    {
        long t = keys.shape[2];
        Keys.narrow(2, position, t).copy_(keys);
        Values.narrow(2, position, t).copy_(values);
        return (Keys.narrow(2, 0, position + t), Values.narrow(2, 0, position + t));
    }

    /// <summary>Reallocates to <paramref name="capacity"/> positions, keeping the first <paramref name="keep"/>.</summary>
    public void Grow(long capacity, long keep)
    {
        var shape = Keys.shape.ToArray();
        shape[2] = capacity;
        var k = zeros(shape, Keys.dtype, Keys.device).DetachFromDisposeScope();
        var v = zeros(shape, Values.dtype, Values.device).DetachFromDisposeScope();
        if (keep > 0)
        {
            using var scope = NewDisposeScope();
            k.narrow(2, 0, keep).copy_(Keys.narrow(2, 0, keep));
            v.narrow(2, 0, keep).copy_(Values.narrow(2, 0, keep));
        }
        Keys.Dispose();
        Values.Dispose();
        Keys = k;
        Values = v;
    }

    /// <summary>
    /// A new slot holding positions [<paramref name="start"/>, start + <paramref name="count"/>) of the samples
    /// <paramref name="samples"/> (repeats allowed), with room for <paramref name="capacity"/> positions.
    /// </summary>
    public KvSlot Select(long[] samples, long start, long count, long capacity)
    {
        var shape = Keys.shape.ToArray();
        shape[0] = samples.Length;
        shape[2] = capacity;
        var slot = new KvSlot(zeros(shape, Keys.dtype, Keys.device).DetachFromDisposeScope(), zeros(shape, Values.dtype, Values.device).DetachFromDisposeScope());
        using var scope = NewDisposeScope();
        var index = tensor(samples, ScalarType.Int64, Keys.device);
        slot.Keys.narrow(2, 0, count).copy_(Keys.narrow(2, start, count).index_select(0, index));
        slot.Values.narrow(2, 0, count).copy_(Values.narrow(2, start, count).index_select(0, index));
        return slot;
    }

    /// <summary>
    /// One slot holding the samples of <paramref name="parts"/> in order, the first <paramref name="lengths"/>[i]
    /// positions of part i placed at the end of <paramref name="length"/> positions (left-padded with zeros).
    /// </summary>
    public static KvSlot Stack(IReadOnlyList<KvSlot> parts, IReadOnlyList<long> lengths, long length)
    {
        var shape = parts[0].Keys.shape.ToArray();
        shape[0] = parts.Sum(p => p.Keys.shape[0]);
        shape[2] = length;
        var slot = new KvSlot(zeros(shape, parts[0].Keys.dtype, parts[0].Keys.device).DetachFromDisposeScope(), zeros(shape, parts[0].Values.dtype, parts[0].Values.device).DetachFromDisposeScope());
        using var scope = NewDisposeScope();
        long offset = 0;
        for (int i = 0; i < parts.Count; i++)
        {
            long batch = parts[i].Keys.shape[0];
            slot.Keys.narrow(0, offset, batch).narrow(2, length - lengths[i], lengths[i]).copy_(parts[i].Keys.narrow(2, 0, lengths[i]));
            slot.Values.narrow(0, offset, batch).narrow(2, length - lengths[i], lengths[i]).copy_(parts[i].Values.narrow(2, 0, lengths[i]));
            offset += batch;
        }
        return slot;
    }

    public void Dispose()
    {
        Keys.Dispose();
        Values.Dispose();
    }
}
