namespace Cqil.Lab.Core.Evaluation;

/// <summary>
/// A task ready to score: its documents (prompts already built the lm-eval way), where they came from, and
/// the metrics lm-eval reports for it.
/// </summary>
public sealed record EvalTask(string Name, TaskKind Kind, string Format, IReadOnlyList<DataSource> Sources, IReadOnlyList<EvalItem> Items, IReadOnlyList<string> Metrics)
{
    public string TaskHash => DataSource.TaskHash(Sources);
}
