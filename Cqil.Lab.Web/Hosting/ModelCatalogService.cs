using Cqil.Lab.Core.Checkpoints;
using Microsoft.Extensions.Options;

namespace Cqil.Lab.Web.Hosting;

/// <summary>The models under the configured roots, scanned once and again on request.</summary>
public sealed class ModelCatalogService
{
    private readonly object gate = new();
    private IReadOnlyList<ModelEntry>? models;

    public ModelCatalogService(IOptions<LabOptions> options, IHostEnvironment environment)
    {
        Roots = options.Value.ModelRoots.Select(r => Path.GetFullPath(Path.Combine(environment.ContentRootPath, r))).ToArray();
    }

    /// <summary>Absolute root paths.</summary>
    public IReadOnlyList<string> Roots { get; }

    public IReadOnlyList<string> MissingRoots => Roots.Where(r => !Directory.Exists(r) && !File.Exists(r)).ToArray();

    public IReadOnlyList<ModelEntry> Models
    {
        get
        {
            lock (gate)
            {
                return models ??= ModelCatalog.Scan(Roots);
            }
        }
    }

    public IReadOnlyList<ModelEntry> Refresh()
    {
        lock (gate)
        {
            models = ModelCatalog.Scan(Roots);
            return models;
        }
    }
}
