namespace Cqil.Lab.Core.Evaluation;

/// <summary>
/// The tasks the lab can score, by lm-eval name, with the reader for their files and where the data usually
/// sits under a data root (the shared data folder's layout).
/// </summary>
public static class TaskCatalog
{
    public sealed record Entry(string Name, string Description, string DefaultRelativePath, Func<string, EvalTask> Reader)
    {
        /// <summary>Reads the task's data; anything malformed becomes a one-line message naming the file.</summary>
        public EvalTask Read(string path) => MalformedInput.Guard(path, $"{Name} data", () => Reader(path));
    }

    public static IReadOnlyList<Entry> Tasks { get; } =
    [
        new("piqa", "PIQA validation (acc, acc_norm)", "piqa/valid.jsonl", PiqaReader.Read),
        new("arc_easy", "ARC-Easy test (acc, acc_norm)", "arc/ARC-Easy-Test.jsonl", p => ArcReader.Read(p, "arc_easy")),
        new("arc_challenge", "ARC-Challenge test (acc, acc_norm)", "arc/ARC-Challenge-Test.jsonl", p => ArcReader.Read(p, "arc_challenge")),
        new("winogrande", "WinoGrande dev, partial scoring (acc)", "winogrande/dev.jsonl", WinoGrandeReader.Read),
        new("hellaswag", "HellaSwag validation (acc, acc_norm)", "hellaswag/hellaswag_val_full.txt", HellaSwagReader.Read),
        new("boolq", "BoolQ validation (acc)", "boolq/boolq_dev_v6_test.json", BoolQReader.Read),
        new("lambada_openai", "LAMBADA OpenAI test (acc, perplexity)", "lambada_openai/lambada_test.jsonl", LambadaReader.Read),
        new("wikitext", "WikiText-2 raw test, rolling (word/byte perplexity, bits per byte)", "wikitext-2-raw/wikitext-2-raw-v1-test.hf-rows-joined.crlf.txt", WikiTextReader.Read),
        new("mc-jsonl", "generic multiple choice: JSONL {context, choices, gold} (acc, acc_norm)", "", GenericMultipleChoiceReader.Read),
        new("text", "plain-text perplexity: a text file, or JSONL {text} per document", "", PlainTextReader.Read),
    ];

    public static Entry Find(string name) =>
        Tasks.FirstOrDefault(t => string.Equals(t.Name, name, StringComparison.OrdinalIgnoreCase) || string.Equals(t.Name.Replace('_', '-'), name, StringComparison.OrdinalIgnoreCase))
        ?? throw new InvalidInputException($"unknown task '{name}': expected one of {string.Join(", ", Tasks.Select(t => t.Name))}");

    /// <summary>Reads a task's data from <paramref name="path"/>.</summary>
    public static EvalTask Load(string name, string path) => Find(name).Read(path);
}
