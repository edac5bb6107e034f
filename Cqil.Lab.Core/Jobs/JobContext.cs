using static TorchSharp.torch;

namespace Cqil.Lab.Core.Jobs;

/// <summary>Where a running job is: a fraction done and a short phrase.</summary>
public readonly record struct JobProgress(double Fraction, string Message);

/// <summary>A token a generation job produced, for live streaming: which pane, its position and its text.</summary>
public readonly record struct GeneratedToken(string Side, int Index, int TokenId, string Piece);

/// <summary>What a job runner gets: its cancellation, progress and event sinks, the model pool and its device.</summary>
public sealed class JobContext(CancellationToken cancellationToken, Device device, ModelPool models, Action<JobProgress>? progress = null, Action<GeneratedToken>? token = null)
{
    public CancellationToken CancellationToken { get; } = cancellationToken;

    public Device Device { get; } = device;

    public ModelPool Models { get; } = models;

    public void Report(double fraction, string message) => progress?.Invoke(new JobProgress(Math.Clamp(fraction, 0, 1), message));

    public void Emit(GeneratedToken generated) => token?.Invoke(generated);
}
