namespace Cqil.Lab.Core.Evaluation;

/// <summary>A finished run: the result record and the per-item results it summarises.</summary>
public sealed record EvaluationRun(EvaluationResult Result, IReadOnlyList<ItemResult> Items)
{
    /// <summary>Writes the per-item results as JSONL (one object per line, in file order).</summary>
    public void WriteItems(string path)
    {
        using var stream = File.Create(path);
        ItemResultsFile.Write(stream, Items);
    }
}
