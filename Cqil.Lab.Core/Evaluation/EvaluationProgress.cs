namespace Cqil.Lab.Core.Evaluation;

/// <summary>Reported after every scored batch.</summary>
public readonly record struct EvaluationProgress(int RequestsScored, int RequestsTotal, TimeSpan Elapsed)
{
    public double Fraction => RequestsTotal == 0 ? 1 : (double)RequestsScored / RequestsTotal;
}
