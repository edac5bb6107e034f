namespace Cqil.Lab.Core.Evaluation;

/// <summary>A log-likelihood request in tokens: score <paramref name="Continuation"/> after <paramref name="Context"/>.</summary>
public sealed record TokenRequest(int[] Context, int[] Continuation);
