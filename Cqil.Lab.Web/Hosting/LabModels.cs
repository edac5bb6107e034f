using Cqil.Lab.Core;
using Cqil.Lab.Core.Checkpoints;
using Cqil.Lab.Core.Jobs;

namespace Cqil.Lab.Web.Hosting;

/// <summary>
/// The models the lab may use — those under the configured roots, plus the default (demo) model — and what goes
/// with each: its tasks and its text. Every model a request names is resolved here: anything that is not one of
/// these entries (a path outside the roots, say) is refused with a message.
/// </summary>
public sealed class LabModels(ModelCatalogService catalog, LabPaths paths)
{
    public const string HeldOutFileName = Core.Demo.DemoFolder.HeldOutFileName;
    public const string TasksFolderName = Core.Demo.DemoFolder.TasksFolderName;

    public IReadOnlyList<ModelEntry> All
    {
        get
        {
            var models = catalog.Models;
            if (paths.DefaultModel is { } demo && models.All(m => m.Path != demo) && CheckpointLoader.DetectFormat(demo) is not null)
            {
                models = [.. ModelCatalog.Scan([demo]), .. models];
            }
            return models;
        }
    }

    public IReadOnlyList<ModelEntry> Usable => All.Where(m => m.IsUsable).ToList();

    /// <summary>The default model when it is present and usable, else the first usable model, else null.</summary>
    public ModelEntry? Default => Usable.FirstOrDefault(IsDefault) ?? Usable.FirstOrDefault();

    public bool IsDefault(ModelEntry model) => paths.DefaultModel is { } d && model.Path == d;

    public IReadOnlyList<ModelEntry> Rescan()
    {
        catalog.Refresh();
        return All;
    }

    /// <summary>
    /// A model by its name, its absolute path as listed, or a path relative to a model folder (null or empty: the
    /// default); usable, or a clear refusal. Relative paths go through <see cref="ModelRoots"/>: "..", absolute
    /// paths that are not listed, and symbolic links leading out of the folders are refused.
    /// </summary>
    public ModelEntry Resolve(string? reference)
    {
        if (string.IsNullOrWhiteSpace(reference))
        {
            return Default ?? throw new InvalidInputException("no model is available: put one under the configured model folders (Lab:ModelRoots)");
        }
        var all = All;
        var entry = all.FirstOrDefault(m => m.Path == reference)
            ?? (all.Count(m => m.Name == reference) == 1 ? all.First(m => m.Name == reference) : null);
        if (entry is null && !Path.IsPathRooted(reference))
        {
            // A path inside a model folder: checked (no "..", links followed and kept inside), then it must be a listed model.
            string real;
            try
            {
                real = catalog.Folders.Resolve(reference);
            }
            catch (InvalidInputException e)
            {
                throw new InvalidInputException($"model '{reference}' is refused: {e.Message}");
            }
            entry = all.FirstOrDefault(m => m.Path == real || ModelRoots.Canonical(m.Path) == real);
        }
        if (entry is null)
        {
            throw new InvalidInputException($"model '{reference}' is not one of the lab's models (those under {string.Join(", ", catalog.Roots)}"
                + (paths.DefaultModel is { } d ? $" and {d}" : "") + "); paths outside the configured model folders are refused");
        }
        if (!entry.IsUsable)
        {
            throw new InvalidInputException($"model '{entry.Name}' cannot be used: {entry.Error}");
        }
        return entry;
    }

    /// <summary>The model's own tasks (tasks/*.jsonl in its folder, generic multiple choice) and the configured ones that exist.</summary>
    public IReadOnlyList<TaskSpec> Tasks(ModelEntry model)
    {
        var tasks = new List<TaskSpec>();
        string folder = Directory.Exists(model.Path) ? Path.Combine(model.Path, TasksFolderName) : "";
        if (folder.Length > 0 && Directory.Exists(folder))
        {
            tasks.AddRange(Directory.EnumerateFiles(folder, "*.jsonl").Order(StringComparer.Ordinal)
                .Select(f => new TaskSpec(Path.GetFileNameWithoutExtension(f), "mc-jsonl", f)));
        }
        tasks.AddRange(paths.Tasks.Where(t => File.Exists(t.Path) && tasks.All(x => x.Name != t.Name)).Select(t => new TaskSpec(t.Name, t.Task, t.Path)));
        return tasks;
    }

    public TaskSpec ResolveTask(ModelEntry model, string name) =>
        Tasks(model).FirstOrDefault(t => t.Name == name)
        ?? throw new InvalidInputException($"task '{name}' is not available for {model.Name} (available: {string.Join(", ", Tasks(model).Select(t => t.Name).DefaultIfEmpty("none"))})");

    /// <summary>The model's held-out text (heldout.txt beside it), else the configured default text; null when neither exists.</summary>
    public string? DemoText(ModelEntry model)
    {
        string folder = Directory.Exists(model.Path) ? model.Path : Path.GetDirectoryName(model.Path) ?? "";
        string own = Path.Combine(folder, HeldOutFileName);
        if (File.Exists(own))
        {
            return own;
        }
        return paths.DefaultText is { } d && File.Exists(d) ? d : null;
    }
}
