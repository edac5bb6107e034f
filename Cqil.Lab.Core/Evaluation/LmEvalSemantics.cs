namespace Cqil.Lab.Core.Evaluation;

/// <summary>
/// The scoring conventions every number here follows: EleutherAI lm-evaluation-harness v0.4.1 (the version the
/// CQIL authors pin), so accuracies can be set beside published ones. Recorded in every result.
/// </summary>
public static class LmEvalSemantics
{
    public const string Version = "lm-eval-harness 0.4.1";

    /// <summary>What lm-eval puts between a context and its continuation (target_delimiter).</summary>
    public const string TargetDelimiter = " ";

    /// <summary>What lm-eval puts after each few-shot example (fewshot_delimiter).</summary>
    public const string FewShotDelimiter = "\n\n";
}
