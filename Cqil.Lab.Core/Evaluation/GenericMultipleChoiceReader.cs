namespace Cqil.Lab.Core.Evaluation;

/// <summary>
/// The lab's generic multiple-choice format ("mc-jsonl"), for custom data: JSONL, one item per line,
/// <code>{"context": "Question: …\nAnswer:", "choices": ["…", "…"], "gold": 0, "id": "optional"}</code>
/// Each choice is scored as the continuation " " + choice after the context (lm-eval's default
/// target delimiter); "gold" is the 0-based index of the right choice. Metrics: acc, acc_norm.
/// </summary>
public static class GenericMultipleChoiceReader
{
    public static EvalTask Read(string path)
    {
        var records = JsonRecords.ReadLines(path);
        var items = records.Select((r, i) =>
        {
            string context = r.String("context");
            string[] choices = r.Strings("choices");
            if (choices.Length < 2)
            {
                throw r.Error($"\"choices\" needs at least two entries, got {choices.Length}");
            }
            int gold = r.Int("gold");
            if (gold < 0 || gold >= choices.Length)
            {
                throw r.Error($"\"gold\" {gold} is not an index into the {choices.Length} choices");
            }
            return MultipleChoiceItem.SharedContext(i, r.IdOr("id", i), context, choices, gold);
        }).ToArray<EvalItem>();
        return new EvalTask("mc-jsonl", TaskKind.MultipleChoice, "mc-jsonl", [DataSource.Of(path)], items, ["acc", "acc_norm"]);
    }
}
