using System.Text.RegularExpressions;

namespace Cqil.Lab.Core.Evaluation;

/// <summary>
/// HellaSwag (lm-eval "hellaswag", the 10042 validation items), from either
/// <list type="bullet">
/// <item>the original / Hugging Face JSONL {"activity_label","ctx_a","ctx_b","endings","label"}: exact lm-eval
/// preprocessing; or</item>
/// <item>llama.cpp's text layout (6 lines per item: "activity_label: ctx", gold 0–3, four endings). Its
/// extractor already replaced the bracket tags of the context, but ctx_a and ctx_b are joined, so ctx_b
/// (which lm-eval capitalises) is taken as the fragment after the last sentence end — and capitalised only
/// when it starts with a lower-case letter, which is the form ctx_b takes in HellaSwag. The lm-eval cleanup
/// then runs on query and endings as usual (the layout still holds some "[…]" and double spaces).</item>
/// </list>
/// </summary>
public static partial class HellaSwagReader
{
    public static EvalTask Read(string path)
    {
        var lines = JsonRecords.ReadAllLines(path);
        string first = lines.FirstOrDefault(l => l.Trim().Length > 0)?.TrimStart('\uFEFF').TrimStart() ?? "";
        return first.StartsWith('{') ? ReadJsonLines(path) : ReadTextLayout(path, lines);
    }

    /// <summary>The query from a line "activity_label: ctx_a ctx_b" of the llama.cpp layout.</summary>
    public static string QueryFromJoinedContext(string line)
    {
        var m = LastSentenceEnd().Match(line);
        int tail = m.Success ? m.Index + m.Length : -1;
        if (tail > 0 && tail < line.Length && char.IsLower(line[tail]))
        {
            line = line[..tail] + LmEvalPrompts.PythonCapitalize(line[tail..]);
        }
        return LmEvalPrompts.HellaSwagPreprocess(line);
    }

    private static EvalTask ReadTextLayout(string path, string[] lines)
    {
        int count = lines.Length;
        while (count > 0 && lines[count - 1].Length == 0)
        {
            count--;
        }
        if (count == 0)
        {
            throw InvalidInputException.ForFile(path, "no records (the file is empty)");
        }
        if (count % 6 != 0)
        {
            throw InvalidInputException.ForFile($"{path}:{count}", $"the text layout has 6 lines per item (context, gold 0-3, four endings); {count} lines is not a multiple of 6");
        }
        var items = new EvalItem[count / 6];
        for (int i = 0; i < items.Length; i++)
        {
            int at = i * 6;
            string goldText = lines[at + 1].Trim();
            if (!int.TryParse(goldText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int gold) || gold > 3)
            {
                throw InvalidInputException.ForFile($"{path}:{at + 2}", $"expected the gold ending 0-3 of the item starting on line {at + 1}, got \"{Shorten(goldText)}\"");
            }
            if (lines[at].Trim().Length == 0)
            {
                throw InvalidInputException.ForFile($"{path}:{at + 1}", "empty context line");
            }
            string query = QueryFromJoinedContext(lines[at]);
            var endings = Enumerable.Range(0, 4).Select(k => LmEvalPrompts.HellaSwagPreprocess(lines[at + 2 + k])).ToArray();
            items[i] = MultipleChoiceItem.SharedContext(i, i.ToString(System.Globalization.CultureInfo.InvariantCulture), query, endings, gold);
        }
        return new EvalTask("hellaswag", TaskKind.MultipleChoice, "hellaswag-llamacpp-text", [DataSource.Of(path)], items, ["acc", "acc_norm"]);
    }

    private static EvalTask ReadJsonLines(string path)
    {
        var records = JsonRecords.ReadLines(path);
        var items = records.Select((r, i) =>
        {
            string query = LmEvalPrompts.HellaSwagQuery(r.String("activity_label"), r.String("ctx_a"), r.String("ctx_b"));
            var endings = r.Strings("endings").Select(LmEvalPrompts.HellaSwagPreprocess).ToArray();
            int gold = r.Int("label");
            if (gold < 0 || gold >= endings.Length)
            {
                throw r.Error($"label {gold} is not an index into the {endings.Length} endings");
            }
            return MultipleChoiceItem.SharedContext(i, r.IdOr("ind", i), query, endings, gold);
        }).ToArray<EvalItem>();
        return new EvalTask("hellaswag", TaskKind.MultipleChoice, "hellaswag-jsonl", [DataSource.Of(path)], items, ["acc", "acc_norm"]);
    }

    private static string Shorten(string s) => s.Length <= 40 ? s : s[..37] + "...";

    // A sentence end followed by a space: ". ", "? ", "! ", optionally with closing quotes/brackets before the space.
    [GeneratedRegex(@"[.!?][""')\]]* (?!.*[.!?][""')\]]* )")]
    private static partial Regex LastSentenceEnd();
}
