using Cqil.Lab.Core.Model;
using static TorchSharp.torch;

namespace Cqil.Lab.Core.Cqil.Execution;

/// <summary>
/// A group's weights stacked along a new leading axis ([P, in, out] etc.) for batched products. Stacking
/// happens once; each layer's own weights are then re-pointed at views of the stack, so the model holds one
/// copy and every mode (and the baseline) keeps reading the same numbers.
/// </summary>
public sealed class FusedGroupWeights : IDisposable
{
    private FusedGroupWeights(int count, Tensor attentionNorm, Tensor qkv, Tensor? qkvBias, Tensor output, Tensor? outputBias, Tensor feedForwardNorm, Tensor gateUp, Tensor down)
    {
        Count = count;
        AttentionNorm = attentionNorm;
        Qkv = qkv;
        QkvBias = qkvBias;
        Output = output;
        OutputBias = outputBias;
        FeedForwardNorm = feedForwardNorm;
        GateUp = gateUp;
        Down = down;
    }

    public int Count { get; }
    public Tensor AttentionNorm { get; }   // [P, 1, h]
    public Tensor Qkv { get; }             // [P, h, qDim + 2·kvDim]
    public Tensor? QkvBias { get; }        // [P, 1, qDim + 2·kvDim]
    public Tensor Output { get; }          // [P, qDim, h]
    public Tensor? OutputBias { get; }     // [P, 1, h]
    public Tensor FeedForwardNorm { get; } // [P, 1, h]
    public Tensor GateUp { get; }          // [P, h, 2·intermediate]
    public Tensor Down { get; }            // [P, intermediate, h]

    public static FusedGroupWeights Stack(IReadOnlyList<DecoderLayer> layers)
    {
        var w = layers.Select(l => l.Weights).ToArray();
        Tensor StackOf(Func<DecoderLayerWeights, Tensor> pick, Action<DecoderLayerWeights, Tensor> repoint)
        {
            var stacked = stack(w.Select(pick).ToArray(), 0).DetachFromDisposeScope();
            for (int k = 0; k < w.Length; k++)
            {
                var old = pick(w[k]);
                repoint(w[k], stacked[k].DetachFromDisposeScope());
                old.Dispose();
            }
            return stacked;
        }
        var attentionNorm = StackOf(x => x.AttentionNorm, (x, t) => x.AttentionNorm = t);
        var qkv = StackOf(x => x.Qkv, (x, t) => x.Qkv = t);
        Tensor? qkvBias = w[0].QkvBias is null ? null : StackOf(x => x.QkvBias!, (x, t) => x.QkvBias = t);
        var output = StackOf(x => x.Output, (x, t) => x.Output = t);
        Tensor? outputBias = w[0].OutputBias is null ? null : StackOf(x => x.OutputBias!, (x, t) => x.OutputBias = t);
        var feedForwardNorm = StackOf(x => x.FeedForwardNorm, (x, t) => x.FeedForwardNorm = t);
        var gateUp = StackOf(x => x.GateUp, (x, t) => x.GateUp = t);
        var down = StackOf(x => x.Down, (x, t) => x.Down = t);
        long p = w.Length;
        return new FusedGroupWeights(w.Length,
            AsRows(attentionNorm, p), qkv, qkvBias is null ? null : AsRows(qkvBias, p), output, outputBias is null ? null : AsRows(outputBias, p),
            AsRows(feedForwardNorm, p), gateUp, down);
    }

    // Stacked vectors [P, n] become [P, 1, n] so they broadcast over the flattened tokens.
    private static Tensor AsRows(Tensor stacked, long p)
    {
        var rows = stacked.view(p, 1, -1).DetachFromDisposeScope();
        stacked.Dispose();
        return rows;
    }

    public void Dispose()
    {
        foreach (var t in new[] { AttentionNorm, Qkv, QkvBias, Output, OutputBias, FeedForwardNorm, GateUp, Down })
        {
            t?.Dispose();
        }
    }
}
