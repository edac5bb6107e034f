using System.Text.Json;

namespace Cqil.Lab.Core.Evaluation;

/// <summary>
/// ARC-Easy / ARC-Challenge (lm-eval "arc_easy", "arc_challenge"): the AI2 JSONL schema
/// {"id","question":{"stem","choices":[{"text","label"}]},"answerKey"} or the Hugging Face ai2_arc export
/// {"id","question","choices":{"text":[…],"label":[…]},"answerKey"}. Gold = index of answerKey among the labels.
/// </summary>
public static class ArcReader
{
    public static EvalTask Read(string path, string name)
    {
        var records = JsonRecords.ReadLines(path);
        bool huggingFace = false;
        var items = records.Select((r, i) =>
        {
            string question;
            string[] texts, labels;
            var q = r.Field("question");
            if (q.ValueKind == JsonValueKind.Object)
            {
                var stem = new JsonRecords.Record(r.Path, r.Line, q);
                question = stem.String("stem");
                var choices = stem.Field("choices");
                if (choices.ValueKind != JsonValueKind.Array)
                {
                    throw r.Error("question.choices must be an array of {text, label}");
                }
                var list = choices.EnumerateArray().Select(c => new JsonRecords.Record(r.Path, r.Line, c)).ToArray();
                texts = list.Select(c => c.String("text")).ToArray();
                labels = list.Select(c => c.StringOrNumber("label")).ToArray();
            }
            else
            {
                huggingFace = true;
                question = r.String("question");
                var choices = new JsonRecords.Record(r.Path, r.Line, r.Field("choices"));
                if (choices.Value.ValueKind != JsonValueKind.Object)
                {
                    throw r.Error("choices must be an object {text: [...], label: [...]}");
                }
                texts = choices.Strings("text");
                labels = choices.Strings("label");
            }
            if (texts.Length < 2 || texts.Length != labels.Length)
            {
                throw r.Error($"expected at least two choices with one label each, got {texts.Length} texts and {labels.Length} labels");
            }
            string key = r.StringOrNumber("answerKey");
            int gold = Array.IndexOf(labels, key);
            if (gold < 0)
            {
                throw r.Error($"answerKey \"{key}\" is not one of the labels {string.Join(", ", labels)}");
            }
            return MultipleChoiceItem.SharedContext(i, r.IdOr("id", i), LmEvalPrompts.Arc(question), texts, gold);
        }).ToArray<EvalItem>();
        return new EvalTask(name, TaskKind.MultipleChoice, huggingFace ? "arc-hf-jsonl" : "arc-ai2-jsonl", [DataSource.Of(path)], items, ["acc", "acc_norm"]);
    }
}
