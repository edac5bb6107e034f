using System.Text.Encodings.Web;
using System.Text.Json;

namespace Cqil.Lab.Core.Evaluation;

/// <summary>Per-item results as JSONL, and reading back the binary outcomes two runs are paired on.</summary>
public static class ItemResultsFile
{
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static void Write(Stream stream, IEnumerable<ItemResult> items)
    {
        var newline = "\n"u8.ToArray();
        foreach (var item in items)
        {
            using (var writer = new Utf8JsonWriter(stream, WriterOptions))
            {
                item.WriteJson(writer);
            }
            stream.Write(newline);
        }
    }

    /// <summary>Item index → outcome of <paramref name="metric"/> ("acc", "acc_norm") from a JSONL file.</summary>
    public static IReadOnlyDictionary<int, bool> ReadOutcomes(string path, string metric)
    {
        var outcomes = new Dictionary<int, bool>();
        foreach (var record in JsonRecords.ReadLines(path))
        {
            int index = record.Int("index");
            if (!outcomes.TryAdd(index, record.Bool(metric)))
            {
                throw record.Error($"item {index} appears twice");
            }
        }
        return outcomes;
    }
}
