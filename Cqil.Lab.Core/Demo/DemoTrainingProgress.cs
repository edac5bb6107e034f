namespace Cqil.Lab.Core.Demo;

/// <summary>What the trainer reports after each step; <see cref="Evaluation"/> is set on evaluation steps.</summary>
public sealed record DemoTrainingProgress(
    int Step,
    int TotalSteps,
    double Loss,
    double LearningRate,
    double GradientNorm,
    long Tokens,
    TimeSpan Elapsed,
    DemoEvaluation? Evaluation)
{
    public double TokensPerSecond => Elapsed.TotalSeconds > 0 ? Tokens / Elapsed.TotalSeconds : 0;
}

/// <summary>A periodic evaluation: held-out perplexity and accuracy on a few items of every task.</summary>
public sealed record DemoEvaluation(int Step, double HeldOutPerplexity, IReadOnlyDictionary<string, double> Accuracy, int ItemsPerTask);
