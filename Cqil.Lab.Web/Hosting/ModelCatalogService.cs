using Cqil.Lab.Core.Checkpoints;
using Microsoft.Extensions.Options;

namespace Cqil.Lab.Web.Hosting;

/// <summary>
/// The models under the configured roots, scanned once and again on request. A model reached through a symbolic
/// link that leads outside every root is listed as unusable, with the reason: the scan follows links, the lab
/// does not let them widen what it may load.
/// </summary>
public sealed class ModelCatalogService
{
    private readonly object gate = new();
    private IReadOnlyList<ModelEntry>? models;

    public ModelCatalogService(IOptions<LabOptions> options, IHostEnvironment environment)
    {
        Roots = options.Value.ModelRoots.Select(r => Path.GetFullPath(Path.Combine(environment.ContentRootPath, r))).ToArray();
        Folders = new ModelRoots(Roots);
    }

    /// <summary>The root folders as a path check (links followed).</summary>
    public ModelRoots Folders { get; }

    /// <summary>Absolute root paths.</summary>
    public IReadOnlyList<string> Roots { get; }

    public IReadOnlyList<string> MissingRoots => Roots.Where(r => !Directory.Exists(r) && !File.Exists(r)).ToArray();

    public IReadOnlyList<ModelEntry> Models
    {
        get
        {
            lock (gate)
            {
                return models ??= Confine(ModelCatalog.Scan(Roots));
            }
        }
    }

    public IReadOnlyList<ModelEntry> Refresh()
    {
        lock (gate)
        {
            models = Confine(ModelCatalog.Scan(Roots));
            return models;
        }
    }

    private IReadOnlyList<ModelEntry> Confine(IReadOnlyList<ModelEntry> scanned) => scanned
        .Select(m => Roots.Contains(m.Path) || Folders.Contains(m.Path)
            ? m
            : m with { Error = $"{m.Path} leads outside the configured model folders (through a symbolic link) and is not served" })
        .ToList();
}
