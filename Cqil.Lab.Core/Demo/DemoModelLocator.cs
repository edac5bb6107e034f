using Cqil.Lab.Core.Checkpoints;

namespace Cqil.Lab.Core.Demo;

/// <summary>
/// Finds the repository's committed demo model (models/demo) for front ends that were given no model: walking
/// up from the given start folders (by default the executable's folder, then the current directory) to the
/// first folder that has models/demo with a config.json.
/// </summary>
public static class DemoModelLocator
{
    public static readonly string RelativePath = Path.Combine("models", "demo");

    public static string? Find(params string[] startFolders)
    {
        var starts = startFolders.Length > 0 ? startFolders : [AppContext.BaseDirectory, Directory.GetCurrentDirectory()];
        foreach (var start in starts)
        {
            for (var dir = new DirectoryInfo(Path.GetFullPath(start)); dir is not null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, RelativePath);
                if (File.Exists(Path.Combine(candidate, HuggingFaceCheckpoint.ConfigFileName)))
                {
                    return candidate;
                }
            }
        }
        return null;
    }

    /// <summary>The demo model's folder, or one clear line saying how to get one.</summary>
    public static string Require(params string[] startFolders) =>
        Find(startFolders) ?? throw new InvalidInputException(
            "no --model given and the demo model (models/demo) was not found above the program or the current folder; pass --model PATH or make it with `cqil train-demo --out models/demo`");
}
