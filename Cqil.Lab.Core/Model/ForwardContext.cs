using TorchSharp;
using static TorchSharp.torch;

namespace Cqil.Lab.Core.Model;

/// <summary>
/// What every layer of one forward pass shares: the rotary angles of the new positions, the attention mask,
/// and where new keys/values go in the cache. Built once per forward (not once per layer). Its tensors
/// belong to the forward's dispose scope.
/// </summary>
public sealed class ForwardContext
{
    private ForwardContext(int batch, int tokens, int pastLength, KvCache? cache, Tensor cos, Tensor sin, Tensor? mask, bool isCausal, Tensor? maskBias = null)
    {
        MaskBias = maskBias ?? (mask is null ? null : zeros(mask.shape, cos.dtype, mask.device).masked_fill_(mask.logical_not(), Scalars.NegativeInfinity));
        Batch = batch;
        Tokens = tokens;
        PastLength = pastLength;
        Cache = cache;
        Cos = cos;
        Sin = sin;
        Mask = mask;
        IsCausal = isCausal;
    }

    public int Batch { get; }

    /// <summary>New positions in this pass (T).</summary>
    public int Tokens { get; }

    /// <summary>Positions already in the cache; new keys are written from here.</summary>
    public int PastLength { get; }

    public KvCache? Cache { get; }

    /// <summary>Rotary cos/sin, [1 or B, T, 1, headDim/2].</summary>
    public Tensor Cos { get; }

    public Tensor Sin { get; }

    /// <summary>Boolean mask [1 or B, 1, T, past+T] (true = may attend), or null when none is needed.</summary>
    public Tensor? Mask { get; }

    /// <summary>True when plain causal attention over exactly the new tokens is right (no past, no padding).</summary>
    public bool IsCausal { get; }

    /// <summary>
    /// <see cref="Mask"/> as an additive bias in the compute dtype (0 where attending, −∞ where not), built
    /// once per pass so each layer adds it in place instead of building a masked copy of its scores.
    /// </summary>
    public Tensor? MaskBias { get; }

    private readonly Dictionary<string, ForwardContext> onDevices = new();

    /// <summary>
    /// This context with its tensors on <paramref name="device"/> (itself when they already are there), for
    /// layers placed on another GPU. Copies are made once per pass; prepare them on the owning thread with
    /// <see cref="PrepareDevices"/> before workers ask.
    /// </summary>
    public ForwardContext On(Device device)
    {
        if (Cos.device == device)
        {
            return this;
        }
        lock (onDevices)
        {
            string key = device.ToString();
            if (!onDevices.TryGetValue(key, out var moved))
            {
                moved = new ForwardContext(Batch, Tokens, PastLength, Cache, Cos.to(device), Sin.to(device), Mask?.to(device), IsCausal, MaskBias?.to(device));
                onDevices[key] = moved;
            }
            return moved;
        }
    }

    /// <summary>Makes the copies for every device in <paramref name="devices"/> now, on the calling thread's dispose scope.</summary>
    public void PrepareDevices(IEnumerable<Device> devices)
    {
        foreach (var device in devices)
        {
            On(device);
        }
    }

    /// <summary>
    /// Prepares a pass over <paramref name="tokens"/> new positions. <paramref name="paddingMask"/> ([B, T],
    /// nonzero = real token) may be null when nothing is padded. Padded positions get no rotary position of
    /// their own (real tokens count positions), are never attended to, and attend only to themselves among
    /// padding, so every row of the softmax stays finite.
    /// </summary>
    public static ForwardContext Create(RotaryEmbedding rotary, int batch, int tokens, KvCache? cache, Tensor? paddingMask, Device device)
    {
        int past = cache?.Length ?? 0;
        if (cache is not null)
        {
            if (cache.Batch != batch)
            {
                throw new ArgumentException($"cache holds batch {cache.Batch}, input has {batch}");
            }
            cache.Reserve(tokens);
        }
        bool padded = paddingMask is not null || cache?.KeyMask is not null;
        if (!padded)
        {
            var (cos, sin) = rotary.ForRange(past, tokens);
            Tensor? mask = null;
            if (past > 0 && tokens > 1)
            {
                // Chunk after a cached prefix: query t sees keys [0, past + t].
                var q = Scalars.Range(past, past + tokens, ScalarType.Int64, device).view(tokens, 1);
                var k = Scalars.Range(0, past + tokens, ScalarType.Int64, device).view(1, past + tokens);
                mask = k.le(q).view(1, 1, tokens, past + tokens);
            }
            return new ForwardContext(batch, tokens, past, cache, cos, sin, mask, isCausal: past == 0 && tokens > 1);
        }

        var newMask = (paddingMask ?? ones([batch, tokens], ScalarType.Bool, device)).to(ScalarType.Bool);
        Tensor realBefore;
        Tensor keyMask;
        if (cache is not null)
        {
            if (cache.RealTokens is null)
            {
                using var pastTokens = ((long)past).ToScalar(); // alive during the call (see Scalars)
                realBefore = full([batch], pastTokens, ScalarType.Int64, device);
            }
            else
            {
                realBefore = cache.RealTokens.clone();
            }
            cache.RecordPadding(newMask);
            keyMask = cache.KeyMask!.narrow(1, 0, past + tokens);
        }
        else
        {
            realBefore = zeros([batch], ScalarType.Int64, device);
            keyMask = newMask;
        }
        var positions = realBefore.view(batch, 1).add(newMask.to(ScalarType.Int64).cumsum(1), Scalars.IntegerOne).add_(Scalars.IntegerMinusOne, Scalars.IntegerOne).clamp_min_(Scalars.IntegerZero);
        int maxPosition = (int)positions.max().item<long>();
        var (pcos, psin) = rotary.ForPositions(positions, maxPosition);

        var queryIndex = Scalars.Range(past, past + tokens, ScalarType.Int64, device).view(tokens, 1);
        var keyIndex = Scalars.Range(0, past + tokens, ScalarType.Int64, device).view(1, past + tokens);
        var causal = keyIndex.le(queryIndex).view(1, 1, tokens, past + tokens);
        var self = keyIndex.eq(queryIndex).view(1, 1, tokens, past + tokens);
        var allowed = causal.logical_and(keyMask.view(batch, 1, 1, past + tokens)).logical_or(self);
        return new ForwardContext(batch, tokens, past, cache, pcos, psin, allowed, isCausal: false);
    }
}
