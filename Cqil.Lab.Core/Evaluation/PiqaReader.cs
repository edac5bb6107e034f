namespace Cqil.Lab.Core.Evaluation;

/// <summary>
/// PIQA (lm-eval "piqa", the 1838 validation items): the official files — valid.jsonl {"goal","sol1","sol2"}
/// with valid-labels.lst (one 0/1 per line) beside it — or a Hugging Face JSONL export that carries "label".
/// </summary>
public static class PiqaReader
{
    public static EvalTask Read(string path)
    {
        var records = JsonRecords.ReadLines(path);
        var sources = new List<DataSource> { DataSource.Of(path) };
        int[]? labels = null;
        if (!records[0].Has("label"))
        {
            string labelsPath = LabelsPathFor(path);
            labels = ReadLabels(labelsPath, records.Count, 2);
            sources.Add(DataSource.Of(labelsPath));
        }
        var items = records.Select((r, i) =>
        {
            int gold = labels?[i] ?? r.Int("label");
            if (gold is < 0 or > 1)
            {
                throw r.Error($"label must be 0 or 1, got {gold}");
            }
            return MultipleChoiceItem.SharedContext(i, r.IdOr("id", i), LmEvalPrompts.Piqa(r.String("goal")), [r.String("sol1"), r.String("sol2")], gold);
        }).ToArray<EvalItem>();
        return new EvalTask("piqa", TaskKind.MultipleChoice, labels is null ? "piqa-hf-jsonl" : "piqa-official", sources, items, ["acc", "acc_norm"]);
    }

    /// <summary>valid.jsonl → valid-labels.lst in the same folder.</summary>
    public static string LabelsPathFor(string path)
    {
        string folder = Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".";
        string labels = Path.Combine(folder, Path.GetFileNameWithoutExtension(path) + "-labels.lst");
        return File.Exists(labels)
            ? labels
            : throw InvalidInputException.ForFile(path, $"no labels: expected {Path.GetFileName(labels)} beside it or a \"label\" field in each line");
    }

    /// <summary>A labels file: one integer in [0, choices) per line, as many lines as the data has records.</summary>
    public static int[] ReadLabels(string path, int expected, int choices)
    {
        var lines = JsonRecords.ReadAllLines(path);
        int count = lines.Length;
        while (count > 0 && lines[count - 1].Trim().Length == 0)
        {
            count--;
        }
        if (count != expected)
        {
            throw InvalidInputException.ForFile(path, $"has {count} labels but the data has {expected} items");
        }
        var labels = new int[count];
        for (int i = 0; i < count; i++)
        {
            if (!int.TryParse(lines[i].Trim(), System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out labels[i]) || labels[i] < 0 || labels[i] >= choices)
            {
                throw InvalidInputException.ForFile($"{path}:{i + 1}", $"expected a label 0..{choices - 1}, got \"{lines[i].Trim()}\"");
            }
        }
        return labels;
    }
}
