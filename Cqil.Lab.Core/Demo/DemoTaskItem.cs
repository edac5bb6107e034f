using System.Text.Json;
using System.Text.Json.Serialization;
using Cqil.Lab.Core.Evaluation;

namespace Cqil.Lab.Core.Demo;

/// <summary>
/// One item of a demo task in the lab's generic multiple-choice JSONL form ("mc-jsonl", read back by
/// <see cref="GenericMultipleChoiceReader"/>): {"context": "…\nwhere Ben", "choices": ["…", "…"], "gold": 0, "id": "…"}.
/// Each choice is scored as the continuation " " + choice after the context.
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

    /// <summary>Items still in memory as a task the shared evaluator scores (training's periodic evaluation).</summary>
    public static EvalTask ToEvalTask(StoryTask task, IReadOnlyList<DemoTaskItem> items) =>
        new(StoryTasks.Name(task), TaskKind.MultipleChoice, "mc-jsonl", [],
            items.Select((item, i) => (EvalItem)MultipleChoiceItem.SharedContext(i, item.Id, item.Context, item.Choices, item.Gold)).ToArray(), ["acc", "acc_norm"]);
}
