namespace Cqil.Lab.Core.Evaluation;

/// <summary>
/// Tasks a model folder brings with it: tasks/NAME.jsonl in the lab's generic multiple-choice format (the demo
/// model's who-has, where-person, …), so a front end can score a model's own benchmarks without a --data path.
/// </summary>
public static class ModelFolderTasks
{
    public const string FolderName = "tasks";

    /// <summary>The names of the folder's tasks, sorted; none when <paramref name="modelPath"/> is not a folder or has no tasks.</summary>
    public static IReadOnlyList<string> Names(string modelPath)
    {
        string folder = Path.Combine(modelPath, FolderName);
        return Directory.Exists(folder)
            ? Directory.EnumerateFiles(folder, "*.jsonl").Select(f => Path.GetFileNameWithoutExtension(f)).Order(StringComparer.Ordinal).ToArray()
            : [];
    }

    /// <summary>Reads the folder's task <paramref name="name"/>, or says which tasks the folder has.</summary>
    public static EvalTask Load(string modelPath, string name)
    {
        var names = Names(modelPath);
        if (!names.Contains(name, StringComparer.Ordinal))
        {
            throw new InvalidInputException(names.Count == 0
                ? $"task '{name}' needs --data FILE: the model at {modelPath} has no tasks folder of its own"
                : $"task '{name}' needs --data FILE, or is one of this model's own tasks: {string.Join(", ", names)}");
        }
        return TaskCatalog.Load("mc-jsonl", Path.Combine(modelPath, FolderName, name + ".jsonl")) with { Name = name };
    }
}
