namespace Cqil.Lab.Tests.Fixtures;

/// <summary>
/// Finds ../shared (real models, benchmark data, reference outputs) beside the repository. A fresh clone
/// has none: tests that need it skip with a reason, unless CQIL_REQUIRE_SHARED=1 (CI) makes them run and
/// fail loudly. CQIL_SHARED_DIR overrides the location.
/// </summary>
public static class SharedData
{
    public static readonly string? Root = Locate();

    public static bool Required => Environment.GetEnvironmentVariable("CQIL_REQUIRE_SHARED") == "1";

    public static bool Has(params string[] relativePaths) =>
        Root is not null && relativePaths.All(p => File.Exists(System.IO.Path.Combine(Root, p)) || Directory.Exists(System.IO.Path.Combine(Root, p)));

    /// <summary>Absolute path of a shared file; fails with a clear message when it is missing.</summary>
    public static string Path(string relativePath)
    {
        if (Root is null)
        {
            throw new InvalidOperationException("../shared was not found beside the repository (set CQIL_SHARED_DIR to its location)");
        }
        string full = System.IO.Path.Combine(Root, relativePath);
        if (!File.Exists(full) && !Directory.Exists(full))
        {
            throw new InvalidOperationException($"shared data missing: {full}");
        }
        return full;
    }

    public static string Stories260K => Path("data/stories260K/stories260K.bin");
    public static string TinyStories656K => Path("data/TinyStories-656K");

    private static string? Locate()
    {
        string? fromEnv = Environment.GetEnvironmentVariable("CQIL_SHARED_DIR");
        if (!string.IsNullOrEmpty(fromEnv))
        {
            return Directory.Exists(fromEnv) ? System.IO.Path.GetFullPath(fromEnv) : null;
        }
        string? repo = RepositoryRoot();
        if (repo is null)
        {
            return null;
        }
        string candidate = System.IO.Path.GetFullPath(System.IO.Path.Combine(repo, "..", "shared"));
        return Directory.Exists(candidate) ? candidate : null;
    }

    /// <summary>The folder holding Cqil.sln, found by walking up from the test binaries.</summary>
    public static string? RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "Cqil.sln")))
            {
                return dir.FullName;
            }
        }
        return null;
    }
}

/// <summary>A fact that needs files under ../shared; skipped with a reason when they are absent (unless required).</summary>
public sealed class SharedDataFactAttribute : FactAttribute
{
    public SharedDataFactAttribute(params string[] relativePaths)
    {
        if (!SharedData.Has(relativePaths) && !SharedData.Required)
        {
            Skip = $"needs ../shared/{string.Join(", ../shared/", relativePaths)} (absent in a fresh clone; CI sets CQIL_REQUIRE_SHARED=1 and runs it)";
        }
    }
}

/// <summary>The theory form of <see cref="SharedDataFactAttribute"/>.</summary>
public sealed class SharedDataTheoryAttribute : TheoryAttribute
{
    public SharedDataTheoryAttribute(params string[] relativePaths)
    {
        if (!SharedData.Has(relativePaths) && !SharedData.Required)
        {
            Skip = $"needs ../shared/{string.Join(", ../shared/", relativePaths)} (absent in a fresh clone; CI sets CQIL_REQUIRE_SHARED=1 and runs it)";
        }
    }
}
