using Microsoft.Extensions.Options;

namespace Cqil.Lab.Web.Hosting;

/// <summary>The configured locations, made absolute against the content root.</summary>
public sealed class LabPaths
{
    public LabPaths(IOptions<LabOptions> options, IHostEnvironment environment)
    {
        var o = options.Value;
        string Full(string p) => Path.GetFullPath(Path.Combine(environment.ContentRootPath, p));
        DataFolder = Full(o.DataFolder);
        Database = o.Database is { Length: > 0 } db ? Full(db) : Path.Combine(DataFolder, "lab.db");
        Uploads = Path.Combine(DataFolder, "uploads");
        DefaultModel = o.DefaultModel is { Length: > 0 } m ? Full(m) : null;
        DefaultText = o.DefaultText is { Length: > 0 } t ? Full(t) : null;
        Tasks = o.Tasks.Select(t => new TaskOption { Name = t.Name, Task = t.Task, Path = Full(t.Path) }).ToArray();
    }

    public string DataFolder { get; }
    public string Database { get; }
    public string Uploads { get; }
    public string? DefaultModel { get; }
    public string? DefaultText { get; }
    public IReadOnlyList<TaskOption> Tasks { get; }
}
