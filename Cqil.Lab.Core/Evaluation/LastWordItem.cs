namespace Cqil.Lab.Core.Evaluation;

/// <summary>
/// A LAMBADA-style document: <paramref name="Context"/> is the text without its last word and
/// <paramref name="Target"/> is " " + that word. Scored for greedy exactness (acc) and log-likelihood (perplexity).
/// </summary>
public sealed record LastWordItem(int Index, string Id, string Context, string Target) : EvalItem(Index, Id);
