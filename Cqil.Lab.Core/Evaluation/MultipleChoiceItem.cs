namespace Cqil.Lab.Core.Evaluation;

/// <summary>
/// A multiple-choice document: one log-likelihood request per choice and the gold choice. For most tasks
/// every request has the same context and continuation " " + choice; WinoGrande ("partial scoring") has one
/// context per choice and the same continuation. <paramref name="Choices"/> are the choice strings lm-eval
/// measures for acc_norm (length in characters, without the leading delimiter).
/// </summary>
public sealed record MultipleChoiceItem(int Index, string Id, IReadOnlyList<LoglikelihoodRequest> Requests, IReadOnlyList<string> Choices, int Gold)
    : EvalItem(Index, Id)
{
    /// <summary>The usual form: shared context, continuation = " " + choice.</summary>
    public static MultipleChoiceItem SharedContext(int index, string id, string context, IReadOnlyList<string> choices, int gold) =>
        new(index, id, choices.Select(c => new LoglikelihoodRequest(context, LmEvalSemantics.TargetDelimiter + c)).ToArray(), choices, gold);
}
