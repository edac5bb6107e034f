using static TorchSharp.torch;

namespace Cqil.Lab.Core.Demo;

/// <summary>
/// One training batch: input ids [B, T], next-token targets [B, T] (ignored positions hold -100) and each
/// target's weight in the loss (0 on padding; answers may count more than narrative tokens).
/// </summary>
public sealed record TrainingBatch(long[] Inputs, long[] Targets, float[] Weights, int Rows, int Width, int RealTokens)
{
    public const long Ignored = -100;

    public (Tensor Inputs, Tensor Targets, Tensor Weights) ToTensors(Device device) =>
        (tensor(Inputs, [Rows, Width]).to(device), tensor(Targets, [Rows, Width]).to(device), tensor(Weights, [Rows, Width]).to(device));

    /// <summary>The weighted mean next-token cross-entropy of <paramref name="logits"/> [B, T, V] on this batch.</summary>
    public static Tensor Loss(Tensor logits, Tensor targets, Tensor weights)
    {
        var perToken = nn.functional.cross_entropy(logits.view(-1, logits.shape[2]), targets.view(-1), ignore_index: Ignored, reduction: nn.Reduction.None);
        var w = weights.view(-1);
        return (perToken * w).sum() / w.sum();
    }
}
