using System.Text.Json;
using System.Text.Json.Serialization;

namespace Cqil.Lab.Core.Demo;

/// <summary>
/// One item of a demo task in the lab's generic multiple-choice JSONL form:
/// {"context": "…\nAnswer:", "choices": ["…", "…"], "gold": 0, "id": "…"}. Each choice is scored as the
/// continuation " " + choice after the context.
/// </summary>
public sealed record DemoTaskItem(
    [property: JsonPropertyName("context")] string Context,
    [property: JsonPropertyName("choices")] IReadOnlyList<string> Choices,
    [property: JsonPropertyName("gold")] int Gold,
    [property: JsonPropertyName("id")] string Id)
{
    private static readonly JsonSerializerOptions LineOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public string ToJsonLine() => JsonSerializer.Serialize(this, LineOptions);

    public static void WriteJsonl(string path, IEnumerable<DemoTaskItem> items) =>
        File.WriteAllLines(path, items.Select(i => i.ToJsonLine()));

    /// <summary>Reads a JSONL file of items; a malformed line is reported with its file and line number.</summary>
    public static IReadOnlyList<DemoTaskItem> ReadJsonl(string path)
    {
        var items = new List<DemoTaskItem>();
        int lineNumber = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }
            DemoTaskItem? item;
            try
            {
                item = JsonSerializer.Deserialize<DemoTaskItem>(line);
            }
            catch (JsonException e)
            {
                throw InvalidInputException.ForFile($"{path}:{lineNumber}", $"not a JSON item ({e.Message})", e);
            }
            if (item is null || item.Context is null || item.Choices is not { Count: >= 2 } || item.Gold < 0 || item.Gold >= item.Choices.Count)
            {
                throw InvalidInputException.ForFile($"{path}:{lineNumber}", "an item needs a context, two or more choices and a gold index into them");
            }
            items.Add(item);
        }
        return items;
    }
}
