namespace Cqil.Lab.Core.Evaluation;

/// <summary>
/// One lm-eval log-likelihood request in text form: the log-probability of <paramref name="Continuation"/>
/// given <paramref name="Context"/>. <see cref="RequestEncoder"/> turns it into tokens the way lm-eval does.
/// </summary>
public sealed record LoglikelihoodRequest(string Context, string Continuation);
