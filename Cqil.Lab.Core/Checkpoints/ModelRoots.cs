using System.Runtime.InteropServices;

namespace Cqil.Lab.Core.Checkpoints;

/// <summary>
/// The folders a shared lab server may load models from. A requested model path is relative to one of them;
/// it is refused when it is absolute, contains "..", or — after every symbolic link is followed — leads
/// outside the root it was found in. The check runs on the real path, so a link placed inside a root cannot
/// point the server at /etc or at another user's files.
/// </summary>
public sealed partial class ModelRoots
{
    private readonly (string Given, string Real)[] roots;

    public ModelRoots(IEnumerable<string> folders)
    {
        roots = folders.Select(f => Path.GetFullPath(f)).Where(Directory.Exists).Select(f => (f, RealPath(f) ?? f)).ToArray();
    }

    public IReadOnlyList<string> Folders => roots.Select(r => r.Given).ToArray();

    /// <summary>The real path of <paramref name="requested"/> inside a root; throws <see cref="InvalidInputException"/> otherwise.</summary>
    public string Resolve(string requested)
    {
        if (string.IsNullOrWhiteSpace(requested))
        {
            throw new InvalidInputException("model path is empty");
        }
        if (Path.IsPathRooted(requested) || requested.StartsWith('~'))
        {
            throw new InvalidInputException($"model path '{requested}' must be relative to a configured model folder, not absolute");
        }
        var segments = requested.Split(['/', '\\'], StringSplitOptions.RemoveEmptyEntries);
        if (segments.Any(s => s == ".."))
        {
            throw new InvalidInputException($"model path '{requested}' may not contain '..'");
        }
        foreach (var (given, real) in roots)
        {
            string candidate = Path.GetFullPath(Path.Combine(given, requested));
            if (!File.Exists(candidate) && !Directory.Exists(candidate))
            {
                continue;
            }
            string resolved = RealPath(candidate) ?? candidate;
            if (!IsInside(resolved, real))
            {
                throw new InvalidInputException($"model path '{requested}' leads outside the model folder {given} (through a symbolic link)");
            }
            return resolved;
        }
        throw new InvalidInputException($"model '{requested}' was not found in the configured model folders");
    }

    /// <summary>Whether an absolute path (links followed) lies inside one of the roots.</summary>
    public bool Contains(string path)
    {
        string resolved = RealPath(Path.GetFullPath(path)) ?? Path.GetFullPath(path);
        return roots.Any(r => IsInside(resolved, r.Real));
    }

    /// <summary>The absolute path with every symbolic link resolved (the path itself where that cannot be computed).</summary>
    public static string Canonical(string path) => RealPath(Path.GetFullPath(path)) ?? Path.GetFullPath(path);

    private static bool IsInside(string path, string root) =>
        path == root || path.StartsWith(root.EndsWith(Path.DirectorySeparatorChar) ? root : root + Path.DirectorySeparatorChar, StringComparison.Ordinal);

    /// <summary>The canonical path with every symbolic link resolved, or null when it cannot be computed.</summary>
    private static string? RealPath(string path)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            return null;
        }
        nint result = Realpath(path, 0);
        if (result == 0)
        {
            return null;
        }
        try
        {
            return Marshal.PtrToStringUTF8(result);
        }
        finally
        {
            Free(result);
        }
    }

    [LibraryImport("libc", EntryPoint = "realpath", StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint Realpath(string path, nint resolved);

    [LibraryImport("libc", EntryPoint = "free")]
    private static partial void Free(nint pointer);
}
