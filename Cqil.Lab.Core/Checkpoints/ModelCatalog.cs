namespace Cqil.Lab.Core.Checkpoints;

/// <summary>
/// Finds models under configured folders: Hugging Face folders (config.json) and llama2.c checkpoints, at
/// the root or up to <see cref="MaxDepth"/> folders below. Only headers and configs are read, so scanning is
/// cheap; a broken model becomes an entry with its error instead of stopping the scan.
/// </summary>
public static class ModelCatalog
{
    public const int MaxDepth = 3;

    public static IReadOnlyList<ModelEntry> Scan(IEnumerable<string> roots)
    {
        var found = new List<ModelEntry>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var root in roots)
        {
            if (File.Exists(root))
            {
                TryAdd(root, found, seen);
            }
            else if (Directory.Exists(root))
            {
                Walk(root, 0, found, seen);
            }
        }
        return found.OrderBy(e => e.Name, StringComparer.OrdinalIgnoreCase).ThenBy(e => e.Path, StringComparer.Ordinal).ToList();
    }

    private static void Walk(string folder, int depth, List<ModelEntry> found, HashSet<string> seen)
    {
        if (TryAdd(folder, found, seen) || depth > MaxDepth)
        {
            return;
        }
        IEnumerable<string> files, folders;
        try
        {
            files = Directory.EnumerateFiles(folder, "*.bin").ToList();
            folders = Directory.EnumerateDirectories(folder).Where(d => !Path.GetFileName(d).StartsWith('.')).ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return;
        }
        foreach (var file in files)
        {
            TryAdd(file, found, seen);
        }
        foreach (var sub in folders)
        {
            Walk(sub, depth + 1, found, seen);
        }
    }

    private static bool TryAdd(string path, List<ModelEntry> found, HashSet<string> seen)
    {
        string? format = CheckpointLoader.DetectFormat(path);
        if (format is null || !seen.Add(Path.GetFullPath(path)))
        {
            return false;
        }
        string name = format == "llama2c" ? Path.GetFileNameWithoutExtension(path) : Path.GetFileName(Path.GetFullPath(path).TrimEnd(Path.DirectorySeparatorChar));
        try
        {
            var config = CheckpointLoader.ReadConfig(path);
            string? tokenizer = CheckpointLoader.FindTokenizerOrNull(path, format);
            string? error = tokenizer is null ? "no tokenizer found beside the model" : null;
            found.Add(new ModelEntry(name, Path.GetFullPath(path), format, config, error, tokenizer));
        }
        catch (InvalidInputException e)
        {
            found.Add(new ModelEntry(name, Path.GetFullPath(path), format, null, e.Message, null));
        }
        return true;
    }
}
