using static TorchSharp.torch;

namespace Cqil.Lab.Core.Model;

/// <summary>
/// One decoder layer's parameters in the engine's layout: matrices pre-transposed to [in, out] (applied with
/// a plain matrix product, measurably faster than linear on [out, in] for decode), q/k/v fused into one
/// matrix and gate/up into another so each step is one product. Properties are settable so a fused CQIL
/// group can re-point them at views of its stacked weights instead of keeping a second copy.
/// </summary>
public sealed class DecoderLayerWeights : IDisposable
{
    public required Tensor AttentionNorm { get; set; }   // [h]
    public required Tensor Qkv { get; set; }             // [h, qDim + 2·kvDim]
    public Tensor? QkvBias { get; set; }                 // [qDim + 2·kvDim]
    public required Tensor Output { get; set; }          // [qDim, h]
    public Tensor? OutputBias { get; set; }              // [h]
    public required Tensor FeedForwardNorm { get; set; } // [h]
    public required Tensor GateUp { get; set; }          // [h, 2·intermediate]
    public required Tensor Down { get; set; }            // [intermediate, h]

    public IEnumerable<Tensor> All()
    {
        yield return AttentionNorm;
        yield return Qkv;
        if (QkvBias is not null)
        {
            yield return QkvBias;
        }
        yield return Output;
        if (OutputBias is not null)
        {
            yield return OutputBias;
        }
        yield return FeedForwardNorm;
        yield return GateUp;
        yield return Down;
    }

    /// <summary>Moves every tensor to <paramref name="device"/> (for layers placed on another GPU).</summary>
    public void MoveTo(Device device)
    {
        Tensor Move(Tensor t)
        {
            if (t.device == device)
            {
                return t;
            }
            var moved = t.to(device).DetachFromDisposeScope();
            t.Dispose();
            return moved;
        }
        AttentionNorm = Move(AttentionNorm);
        Qkv = Move(Qkv);
        QkvBias = QkvBias is null ? null : Move(QkvBias);
        Output = Move(Output);
        OutputBias = OutputBias is null ? null : Move(OutputBias);
        FeedForwardNorm = Move(FeedForwardNorm);
        GateUp = Move(GateUp);
        Down = Move(Down);
    }

    public void Dispose()
    {
        foreach (var t in All())
        {
            t.Dispose();
        }
    }
}
