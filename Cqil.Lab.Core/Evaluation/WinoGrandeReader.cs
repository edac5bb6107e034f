namespace Cqil.Lab.Core.Evaluation;

/// <summary>
/// WinoGrande (lm-eval "winogrande", winogrande_xl validation = the 1267-item dev set): JSONL
/// {"sentence","option1","option2","answer":"1"|"2"} (official and Hugging Face exports alike), scored by
/// partial scoring (<see cref="LmEvalPrompts.WinoGrande"/>). lm-eval reports acc only.
/// </summary>
public static class WinoGrandeReader
{
    public static EvalTask Read(string path)
    {
        var records = JsonRecords.ReadLines(path);
        var items = records.Select((r, i) =>
        {
            string sentence = r.String("sentence");
            if (!sentence.Contains('_', StringComparison.Ordinal))
            {
                throw r.Error("sentence has no \"_\" blank");
            }
            string answer = r.StringOrNumber("answer");
            int gold = answer switch
            {
                "1" => 0,
                "2" => 1,
                _ => throw r.Error($"answer must be \"1\" or \"2\", got \"{answer}\" (a test split without answers cannot be scored)"),
            };
            var (contexts, continuation) = LmEvalPrompts.WinoGrande(sentence, r.String("option1"), r.String("option2"));
            var requests = contexts.Select(c => new LoglikelihoodRequest(c, continuation)).ToArray();
            return new MultipleChoiceItem(i, r.IdOr("qID", i), requests, contexts, gold);
        }).ToArray<EvalItem>();
        return new EvalTask("winogrande", TaskKind.MultipleChoice, "winogrande-jsonl", [DataSource.Of(path)], items, ["acc"]);
    }
}
