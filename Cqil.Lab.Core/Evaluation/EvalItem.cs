namespace Cqil.Lab.Core.Evaluation;

/// <summary>
/// One document of a task. <paramref name="Index"/> is its position in the data file (0-based), so results of
/// two runs can be paired item by item; <paramref name="Id"/> is the data set's own id where it has one.
/// </summary>
public abstract record EvalItem(int Index, string Id);
