namespace Cqil.Lab.Core.Evaluation;

/// <summary>LAMBADA, OpenAI version (lm-eval "lambada_openai", 5153 test items): JSONL {"text"}.</summary>
public static class LambadaReader
{
    public static EvalTask Read(string path)
    {
        var records = JsonRecords.ReadLines(path);
        var items = records.Select((r, i) =>
        {
            string text = r.String("text");
            var (context, target) = LmEvalPrompts.Lambada(text);
            if (target.Trim().Length == 0)
            {
                throw r.Error("text ends with a space: there is no last word to predict");
            }
            return new LastWordItem(i, r.IdOr("id", i), context, target);
        }).ToArray<EvalItem>();
        return new EvalTask("lambada_openai", TaskKind.LastWord, "lambada-jsonl", [DataSource.Of(path)], items, ["acc", "perplexity"]);
    }
}
