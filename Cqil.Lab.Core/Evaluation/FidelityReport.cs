namespace Cqil.Lab.Core.Evaluation;

/// <summary>
/// How closely a candidate (a CQIL plan) reproduces the baseline's next-token distributions, label-free,
/// over <paramref name="Tokens"/> positions:
/// <list type="bullet">
/// <item><paramref name="Top1Agreement"/>: fraction of positions where both argmax tokens agree (Wilson 95% interval);</item>
/// <item><paramref name="MeanKl"/>: mean over positions of KL(p_base ‖ p_plan) = Σ_v p_base(v)·(log p_base(v) − log p_plan(v)), in nats;</item>
/// <item><paramref name="MeanRelativeLogitDifference"/>: the CQIL authors' relative logit difference, mean over
/// positions of ‖z_plan − z_base‖₂ / ‖z_base‖₂ (z = the raw logit vector over the vocabulary).</item>
/// </list>
/// </summary>
public sealed record FidelityReport(
    string Baseline,
    string Candidate,
    int Tokens,
    double Top1Agreement,
    double Top1Low,
    double Top1High,
    double MeanKl,
    double MaxKl,
    double MeanRelativeLogitDifference);
