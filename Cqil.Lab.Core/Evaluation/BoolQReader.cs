namespace Cqil.Lab.Core.Evaluation;

/// <summary>
/// BoolQ (lm-eval "boolq", the 3270 validation items): the official dev file as one JSON array (or JSONL) of
/// {"question","passage","answer":bool}, or the Hugging Face super_glue export with "label" 0/1.
/// Choices "no"/"yes"; lm-eval reports acc only.
/// </summary>
public static class BoolQReader
{
    public static EvalTask Read(string path)
    {
        bool array = FirstNonSpace(path) == '[';
        var records = array ? JsonRecords.ReadArray(path) : JsonRecords.ReadLines(path);
        var items = records.Select((r, i) =>
        {
            int gold;
            if (r.Has("answer"))
            {
                gold = r.Bool("answer") ? 1 : 0;
            }
            else
            {
                gold = r.Int("label");
                if (gold is < 0 or > 1)
                {
                    throw r.Error($"label must be 0 or 1, got {gold}");
                }
            }
            string context = LmEvalPrompts.BoolQ(r.String("passage"), r.String("question"));
            return MultipleChoiceItem.SharedContext(i, r.IdOr("idx", i), context, LmEvalPrompts.BoolQChoices, gold);
        }).ToArray<EvalItem>();
        return new EvalTask("boolq", TaskKind.MultipleChoice, array ? "boolq-json-array" : "boolq-jsonl", [DataSource.Of(path)], items, ["acc"]);
    }

    /// <summary>The first character that is not whitespace or a byte-order mark ('[' for the JSON array form).</summary>
    private static char FirstNonSpace(string path)
    {
        foreach (char c in JsonRecords.ReadAllText(path))
        {
            if (!char.IsWhiteSpace(c) && c != '\uFEFF')
            {
                return c;
            }
        }
        return '\0';
    }
}
