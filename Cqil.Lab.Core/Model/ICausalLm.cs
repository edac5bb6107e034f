using static TorchSharp.torch;

namespace Cqil.Lab.Core.Model;

/// <summary>
/// Anything that turns token ids into next-token logits with a KV cache: the unchanged model (baseline) or
/// the model run under a CQIL plan by one of the executors. Generation, evaluation and latency code drive
/// this interface, so they treat the baseline and every plan the same way.
/// </summary>
public interface ICausalLm
{
    LlamaModel Model { get; }

    /// <summary>Short label for reports ("baseline", "fused S4-E8-P2", …).</summary>
    string Label { get; }

    /// <summary>A cache laid out the way this runner stores keys/values.</summary>
    KvCache NewCache(int batch, int capacity);

    /// <summary>
    /// Runs new tokens <paramref name="ids"/> [B, T] (int64) after whatever <paramref name="cache"/> holds and
    /// returns float32 logits [B, T', vocab] for the positions <paramref name="logits"/> names (default: all T;
    /// an empty tensor for <see cref="LogitsFor.None"/>), detached from the caller's dispose scope rules: the
    /// result belongs to the caller's current scope.
    /// <paramref name="paddingMask"/> [B, T] marks real tokens (nonzero) when the batch is padded.
    /// </summary>
    Tensor Forward(Tensor ids, KvCache? cache = null, Tensor? paddingMask = null, LogitsFor logits = default);
}
