using System.Security.Cryptography;

namespace Cqil.Lab.Core.Evaluation;

/// <summary>A data file a task was read from, with the SHA-256 of its bytes (hex, lower case).</summary>
public sealed record DataSource(string Path, string Sha256)
{
    public static DataSource Of(string path)
    {
        using var stream = File.OpenRead(path);
        return new DataSource(System.IO.Path.GetFullPath(path), Convert.ToHexStringLower(SHA256.HashData(stream)));
    }

    /// <summary>
    /// One hash for the task: the data file's SHA-256, or for several files (PIQA's labels beside its questions)
    /// the SHA-256 of their "sha256  name" lines in order.
    /// </summary>
    public static string TaskHash(IReadOnlyList<DataSource> sources) =>
        sources.Count == 1
            ? sources[0].Sha256
            : Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(
                string.Concat(sources.Select(s => $"{s.Sha256}  {System.IO.Path.GetFileName(s.Path)}\n")))));
}
