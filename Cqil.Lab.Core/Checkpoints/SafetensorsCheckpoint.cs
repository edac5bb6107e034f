using System.Security.Cryptography;
using System.Text.Json;
using static TorchSharp.torch;

namespace Cqil.Lab.Core.Checkpoints;

/// <summary>
/// The tensors of a Hugging Face folder: one model.safetensors, or the shards listed by
/// model.safetensors.index.json. Every shard's header is read and validated up front.
/// </summary>
public sealed class SafetensorsCheckpoint : IDisposable
{
    private readonly List<SafetensorsFile> files;
    private readonly Dictionary<string, SafetensorsFile> owner;

    private SafetensorsCheckpoint(List<SafetensorsFile> files, Dictionary<string, SafetensorsFile> owner, string description)
    {
        this.files = files;
        this.owner = owner;
        Description = description;
    }

    /// <summary>"model.safetensors" or "model.safetensors.index.json (3 shards)".</summary>
    public string Description { get; }

    public IReadOnlyList<SafetensorsFile> Files => files;

    public const string SingleFileName = "model.safetensors";
    public const string IndexFileName = "model.safetensors.index.json";

    public static bool ExistsIn(string folder) =>
        File.Exists(Path.Combine(folder, IndexFileName)) || File.Exists(Path.Combine(folder, SingleFileName));

    public static SafetensorsCheckpoint Open(string folder)
    {
        string index = Path.Combine(folder, IndexFileName);
        if (File.Exists(index))
        {
            return OpenSharded(folder, index);
        }
        string single = Path.Combine(folder, SingleFileName);
        if (!File.Exists(single))
        {
            throw InvalidInputException.ForFile(folder, $"no {SingleFileName} or {IndexFileName} (only safetensors checkpoints are read)");
        }
        var file = SafetensorsFile.Open(single);
        return new SafetensorsCheckpoint([file], file.Entries.Keys.ToDictionary(k => k, _ => file), SingleFileName);
    }

    private static SafetensorsCheckpoint OpenSharded(string folder, string indexPath)
    {
        Dictionary<string, string> weightMap;
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(indexPath));
            if (!doc.RootElement.TryGetProperty("weight_map", out var map) || map.ValueKind != JsonValueKind.Object)
            {
                throw InvalidInputException.ForFile(indexPath, "no \"weight_map\" object");
            }
            weightMap = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var entry in map.EnumerateObject())
            {
                string shard = entry.Value.GetString() ?? "";
                if (shard.Length == 0 || shard.Contains('/') || shard.Contains('\\') || shard.Contains(".."))
                {
                    throw InvalidInputException.ForFile(indexPath, $"tensor '{entry.Name}' maps to an invalid shard name '{shard}'");
                }
                weightMap[entry.Name] = shard;
            }
        }
        catch (JsonException e)
        {
            throw InvalidInputException.ForFile(indexPath, $"not valid JSON ({e.Message})", e);
        }
        catch (InvalidOperationException e)
        {
            throw InvalidInputException.ForFile(indexPath, $"unexpected JSON shape ({e.Message})", e);
        }

        var files = new List<SafetensorsFile>();
        var owner = new Dictionary<string, SafetensorsFile>(StringComparer.Ordinal);
        try
        {
            foreach (var shardName in weightMap.Values.Distinct().Order(StringComparer.Ordinal))
            {
                string shardPath = Path.Combine(folder, shardName);
                if (!File.Exists(shardPath))
                {
                    throw InvalidInputException.ForFile(indexPath, $"lists shard '{shardName}', which does not exist");
                }
                files.Add(SafetensorsFile.Open(shardPath));
            }
            foreach (var (tensor, shardName) in weightMap)
            {
                var file = files.First(f => Path.GetFileName(f.Path) == shardName);
                if (!file.Entries.ContainsKey(tensor))
                {
                    throw InvalidInputException.ForFile(file.Path, $"missing tensor '{tensor}' (the index says it is here)");
                }
                owner[tensor] = file;
            }
        }
        catch
        {
            files.ForEach(f => f.Dispose());
            throw;
        }
        return new SafetensorsCheckpoint(files, owner, $"{IndexFileName} ({files.Count} shards)");
    }

    public bool Contains(string name) => owner.ContainsKey(name);

    public IEnumerable<string> Names => owner.Keys;

    public SafetensorsEntry Entry(string name) =>
        owner.TryGetValue(name, out var file) ? file.Entries[name] : throw Missing(name);

    /// <summary>The file that holds <paramref name="name"/> (for messages).</summary>
    public string FileOf(string name) => owner.TryGetValue(name, out var file) ? file.Path : files[0].Path;

    public Tensor Read(string name) => owner.TryGetValue(name, out var file) ? file.Read(name) : throw Missing(name);

    /// <summary>Metadata merged over shards (e.g. a tied-embedding alias).</summary>
    public IReadOnlyDictionary<string, string> Metadata =>
        files.SelectMany(f => f.Metadata).GroupBy(kv => kv.Key).ToDictionary(g => g.Key, g => g.First().Value);

    /// <summary>Adds every shard's name, length and header to <paramref name="hash"/>.</summary>
    public void AddToFingerprint(IncrementalHash hash)
    {
        foreach (var file in files)
        {
            hash.AppendData(System.Text.Encoding.UTF8.GetBytes(Path.GetFileName(file.Path) + ":" + file.FileLength + ";"));
            hash.AppendData(file.HeaderBytes);
        }
    }

    private InvalidInputException Missing(string name) =>
        InvalidInputException.ForFile(files.Count == 1 ? files[0].Path : Description, $"missing tensor '{name}'");

    public void Dispose() => files.ForEach(f => f.Dispose());
}
