namespace Cqil.Lab.Core.Evaluation;

/// <summary>
/// The result of one request: the summed log-probability of the continuation tokens (natural log), whether
/// every continuation token was the model's greedy (argmax) choice, and how many tokens were scored.
/// </summary>
public readonly record struct RequestScore(double LogLikelihood, bool IsGreedy, int Tokens);
