using Cqil.Lab.Core.Model;
using static TorchSharp.torch;
using N = Cqil.Lab.Core.Checkpoints.HuggingFaceNames;

namespace Cqil.Lab.Core.Checkpoints;

/// <summary>
/// Builds a <see cref="LlamaModel"/> in the engine's layout (transposed, q/k/v and gate/up fused) from any
/// <see cref="ITensorSource"/>. Each source tensor is read, copied into its place in the target dtype and
/// device, and freed before the next is read, so peak memory is the model plus one tensor.
/// </summary>
public static class EngineLayoutAssembler
{
    public static LlamaModel Build(LlamaConfig config, ITensorSource source, ScalarType dtype, Device device, ModelIdentity identity)
    {
        var built = new List<Tensor>();
        try
        {
            int h = config.HiddenSize, q = config.QueryDim, kv = config.KvDim, inner = config.IntermediateSize;
            Tensor Vector(string name, long size) => Keep(Converted(source.Read(name, [size]), dtype, device));
            Tensor Keep(Tensor t)
            {
                built.Add(t.DetachFromDisposeScope());
                return t;
            }

            Tensor embedding = source.Contains(N.Embedding) || !source.Contains(N.Head)
                ? Keep(Converted(source.Read(N.Embedding, [config.VocabSize, h]), dtype, device))
                : Keep(Converted(source.Read(N.Head, [config.VocabSize, h]), dtype, device)); // tied and stored only as lm_head
            Tensor? head = config.TieWordEmbeddings ? null : Keep(Converted(source.Read(N.Head, [config.VocabSize, h]), dtype, device));

            var layers = new List<DecoderLayerWeights>();
            for (int i = 0; i < config.NumLayers; i++)
            {
                string L(string part) => N.Layer(i, part);
                var qkv = Keep(empty([h, q + 2 * kv], dtype, device));
                PlaceTransposed(source, L(N.Q + ".weight"), q, h, qkv, 0);
                PlaceTransposed(source, L(N.K + ".weight"), kv, h, qkv, q);
                PlaceTransposed(source, L(N.V + ".weight"), kv, h, qkv, q + kv);
                Tensor? qkvBias = null;
                if (config.QkvBias)
                {
                    qkvBias = Keep(empty([q + 2 * kv], dtype, device));
                    PlaceVector(source, L(N.Q + ".bias"), q, qkvBias, 0);
                    PlaceVector(source, L(N.K + ".bias"), kv, qkvBias, q);
                    PlaceVector(source, L(N.V + ".bias"), kv, qkvBias, q + kv);
                }
                var output = Keep(empty([q, h], dtype, device));
                PlaceTransposed(source, L(N.O + ".weight"), h, q, output, 0);
                Tensor? outputBias = config.OutputBias ? Vector(L(N.O + ".bias"), h) : null;
                var gateUp = Keep(empty([h, 2 * inner], dtype, device));
                PlaceTransposed(source, L(N.Gate), inner, h, gateUp, 0);
                PlaceTransposed(source, L(N.Up), inner, h, gateUp, inner);
                var down = Keep(empty([inner, h], dtype, device));
                PlaceTransposed(source, L(N.Down), h, inner, down, 0);
                layers.Add(new DecoderLayerWeights
                {
                    AttentionNorm = Vector(L(N.AttentionNorm), h),
                    Qkv = qkv,
                    QkvBias = qkvBias,
                    Output = output,
                    OutputBias = outputBias,
                    FeedForwardNorm = Vector(L(N.FeedForwardNorm), h),
                    GateUp = gateUp,
                    Down = down,
                });
            }
            var finalNorm = Vector(N.FinalNorm, h);
            return new LlamaModel(config, identity, embedding, layers, finalNorm, head);
        }
        catch
        {
            built.ForEach(t => t.Dispose());
            throw;
        }
    }

    private static Tensor Converted(Tensor cpu, ScalarType dtype, Device device)
    {
        if (cpu.dtype == dtype && cpu.device == device)
        {
            return cpu;
        }
        var converted = cpu.to(dtype, device);
        cpu.Dispose();
        return converted;
    }

    // Source [out, in] goes to target[:, offset : offset+out] as [in, out].
    private static void PlaceTransposed(ITensorSource source, string name, long outDim, long inDim, Tensor target, long offset)
    {
        using var src = source.Read(name, [outDim, inDim]);
        using var slice = target.narrow(1, offset, outDim);
        using var transposed = src.t();
        slice.copy_(transposed);
    }

    private static void PlaceVector(ITensorSource source, string name, long size, Tensor target, long offset)
    {
        using var src = source.Read(name, [size]);
        using var slice = target.narrow(0, offset, size);
        slice.copy_(src);
    }
}
