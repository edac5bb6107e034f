using Cqil.Lab.Core.Evaluation;

namespace Cqil.Lab.Core.Demo;

/// <summary>The layout of a demo model folder: a Hugging Face model plus its tasks, held-out text and report.</summary>
public sealed class DemoFolder(string path)
{
    public const string TasksFolderName = ModelFolderTasks.FolderName;
    public const string HeldOutFileName = "heldout.txt";
    public const string ReportFileName = "report.json";
    public const string ReadmeFileName = "README.md";
    public const string CheckpointsFolderName = "checkpoints";

    public string Path { get; } = System.IO.Path.GetFullPath(path);

    public string TasksFolder => System.IO.Path.Combine(Path, TasksFolderName);

    public string TaskFile(StoryTask task) => System.IO.Path.Combine(TasksFolder, StoryTasks.Name(task) + ".jsonl");

    public string HeldOutFile => System.IO.Path.Combine(Path, HeldOutFileName);

    public string ReportFile => System.IO.Path.Combine(Path, ReportFileName);

    public string ReadmeFile => System.IO.Path.Combine(Path, ReadmeFileName);

    public string CheckpointsFolder => System.IO.Path.Combine(Path, CheckpointsFolderName);

    public string TokenizerFile => System.IO.Path.Combine(Path, "tokenizer.json");

    /// <summary>The tasks present in the folder, read from their JSONL files.</summary>
    public IReadOnlyDictionary<StoryTask, EvalTask> ReadTasks()
    {
        var tasks = new Dictionary<StoryTask, EvalTask>();
        foreach (var task in StoryTasks.All)
        {
            if (File.Exists(TaskFile(task)))
            {
                tasks[task] = ModelFolderTasks.Load(Path, StoryTasks.Name(task));
            }
        }
        return tasks;
    }
}
