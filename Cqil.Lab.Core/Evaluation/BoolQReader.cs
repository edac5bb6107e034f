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

    private static char FirstNonSpace(string path)
    {
        using var reader = new StreamReader(OpenOrThrow(path));
        int c;
        while ((c = reader.Read()) >= 0)
        {
            if (!char.IsWhiteSpace((char)c) && c != '\uFEFF')
            {
                return (char)c;
            }
        }
        return '\0';
    }

    private static FileStream OpenOrThrow(string path)
    {
        JsonRecords.ReadAllBytes(path); // the same "no such file" / "is a folder" messages as every reader
        return File.OpenRead(path);
    }
}
