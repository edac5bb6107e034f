namespace Cqil.Lab.Core.Generation;

/// <summary>What a generation produced and how long its phases took (device-synchronized clocks).</summary>
public sealed record GenerationResult(
    int[] PromptIds,
    int[] NewIds,
    string Text,
    bool StoppedAtEos,
    TimeSpan PrefillTime,
    TimeSpan DecodeTime)
{
    /// <summary>Decode tokens per second (tokens after the first, which prefill produces).</summary>
    public double DecodeTokensPerSecond => NewIds.Length > 1 && DecodeTime > TimeSpan.Zero ? (NewIds.Length - 1) / DecodeTime.TotalSeconds : 0;
}
