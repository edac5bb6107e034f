using System.Text.Json;
using TorchSharp;
using static TorchSharp.torch;

namespace Cqil.Lab.Core.Checkpoints;

/// <summary>One tensor's entry in a safetensors header; offsets are absolute positions in the file.</summary>
public sealed record SafetensorsEntry(string Name, string Dtype, long[] Shape, long Start, long Length);

/// <summary>
/// A safetensors file: 8-byte little-endian header length, a JSON header (name → dtype, shape, data_offsets;
/// optional __metadata__), then raw little-endian data. The header is validated completely when the file is
/// opened; tensors are read one at a time straight into tensor memory, so loading a model never holds a
/// second copy of its weights (why this reader exists instead of TorchSharp.PyBridge's whole-file loader).
/// </summary>
public sealed class SafetensorsFile : IDisposable
{
    /// <summary>Headers larger than this are refused (real ones are kilobytes to a few megabytes).</summary>
    public const long MaxHeaderBytes = 100L * 1024 * 1024;

    private readonly FileStream stream;

    private SafetensorsFile(string path, FileStream stream, byte[] header, Dictionary<string, SafetensorsEntry> entries, Dictionary<string, string> metadata)
    {
        Path = path;
        this.stream = stream;
        HeaderBytes = header;
        Entries = entries;
        Metadata = metadata;
    }

    public string Path { get; }

    public byte[] HeaderBytes { get; }

    public long FileLength => stream.Length;

    public IReadOnlyDictionary<string, SafetensorsEntry> Entries { get; }

    public IReadOnlyDictionary<string, string> Metadata { get; }

    public static SafetensorsFile Open(string path)
    {
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.RandomAccess);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw InvalidInputException.ForFile(path, "cannot open: " + e.Message, e);
        }
        try
        {
            return MalformedInput.Guard(path, "safetensors header", () => Parse(path, stream));
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    private static SafetensorsFile Parse(string path, FileStream stream)
    {
        long fileLength = stream.Length;
        if (fileLength < 8)
        {
            throw InvalidInputException.ForFile(path, $"truncated: {fileLength} bytes, too short for a safetensors header length");
        }
        Span<byte> lengthBytes = stackalloc byte[8];
        RandomAccess.Read(stream.SafeFileHandle, lengthBytes, 0);
        ulong headerLength = BitConverter.ToUInt64(lengthBytes);
        if (headerLength > (ulong)(fileLength - 8))
        {
            throw InvalidInputException.ForFile(path, $"header length {headerLength} runs past the end of the file ({fileLength} bytes); truncated or not safetensors");
        }
        if (headerLength > MaxHeaderBytes)
        {
            throw InvalidInputException.ForFile(path, $"header length {headerLength} is implausibly large; not a safetensors file");
        }
        var header = new byte[headerLength];
        RandomAccess.Read(stream.SafeFileHandle, header, 8);
        long dataStart = 8 + (long)headerLength;
        long dataLength = fileLength - dataStart;

        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(header);
        }
        catch (JsonException e)
        {
            throw InvalidInputException.ForFile(path, $"header is not valid JSON ({e.Message})", e);
        }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw InvalidInputException.ForFile(path, "header is not a JSON object");
            }
            var entries = new Dictionary<string, SafetensorsEntry>(StringComparer.Ordinal);
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var property in doc.RootElement.EnumerateObject())
            {
                if (property.Name == "__metadata__")
                {
                    if (property.Value.ValueKind == JsonValueKind.Object)
                    {
                        foreach (var m in property.Value.EnumerateObject())
                        {
                            metadata[m.Name] = m.Value.ValueKind == JsonValueKind.String ? m.Value.GetString()! : m.Value.GetRawText();
                        }
                    }
                    continue;
                }
                entries[property.Name] = ParseEntry(path, property, dataStart, dataLength);
            }
            return new SafetensorsFile(path, stream, header, entries, metadata);
        }
    }

    private static SafetensorsEntry ParseEntry(string path, JsonProperty property, long dataStart, long dataLength)
    {
        string name = property.Name;
        var v = property.Value;
        if (v.ValueKind != JsonValueKind.Object
            || !v.TryGetProperty("dtype", out var dtypeJson) || dtypeJson.ValueKind != JsonValueKind.String
            || !v.TryGetProperty("shape", out var shapeJson) || shapeJson.ValueKind != JsonValueKind.Array
            || !v.TryGetProperty("data_offsets", out var offsetsJson) || offsetsJson.ValueKind != JsonValueKind.Array || offsetsJson.GetArrayLength() != 2)
        {
            throw InvalidInputException.ForFile(path, $"tensor '{name}': header entry needs dtype, shape and two data_offsets");
        }
        var shape = new long[shapeJson.GetArrayLength()];
        long elements = 1;
        int i = 0;
        foreach (var dim in shapeJson.EnumerateArray())
        {
            if (dim.ValueKind != JsonValueKind.Number || !dim.TryGetInt64(out long d) || d < 0)
            {
                throw InvalidInputException.ForFile(path, $"tensor '{name}': shape has an invalid dimension {dim.GetRawText()}");
            }
            shape[i++] = d;
            elements = d == 0 ? 0 : elements > long.MaxValue / d ? throw InvalidInputException.ForFile(path, $"tensor '{name}': shape overflows") : elements * d;
        }
        if (!offsetsJson[0].TryGetInt64(out long begin) || !offsetsJson[1].TryGetInt64(out long end) || begin < 0 || end < begin)
        {
            throw InvalidInputException.ForFile(path, $"tensor '{name}': invalid data_offsets {offsetsJson.GetRawText()}");
        }
        if (end > dataLength)
        {
            throw InvalidInputException.ForFile(path, $"tensor '{name}': data ends at byte {end} of the data section but the file holds only {dataLength}; truncated");
        }
        string dtype = dtypeJson.GetString()!;
        if (SafetensorsDtype.TryGet(dtype, out _, out int size) && end - begin != elements * size)
        {
            throw InvalidInputException.ForFile(path, $"tensor '{name}': {end - begin} bytes of data for shape [{string.Join(", ", shape)}] of {dtype} (expected {elements * size})");
        }
        return new SafetensorsEntry(name, dtype, shape, dataStart + begin, end - begin);
    }

    /// <summary>Reads one tensor into a new CPU tensor of its stored dtype.</summary>
    public Tensor Read(string name)
    {
        if (!Entries.TryGetValue(name, out var entry))
        {
            throw InvalidInputException.ForFile(Path, $"missing tensor '{name}'");
        }
        if (!SafetensorsDtype.TryGet(entry.Dtype, out var type, out _))
        {
            throw InvalidInputException.ForFile(Path, $"tensor '{name}' has dtype {entry.Dtype}, which is not supported (supported: {SafetensorsDtype.Supported})");
        }
        var tensor = empty(entry.Shape, type, CPU);
        try
        {
            ReadInto(tensor, entry);
            return tensor;
        }
        catch
        {
            tensor.Dispose();
            throw;
        }
    }

    // Spans are int-sized, so tensors are filled in chunks of at most ChunkBytes through flat views.
    internal static long ChunkBytes { get; set; } = 1L << 30;

    private void ReadInto(Tensor tensor, SafetensorsEntry entry)
    {
        if (entry.Length == 0)
        {
            return;
        }
        long elementSize = entry.Length / tensor.numel();
        long chunkElements = Math.Max(1, ChunkBytes / elementSize);
        using var flat = tensor.view(-1);
        for (long first = 0; first < flat.shape[0]; first += chunkElements)
        {
            long count = Math.Min(chunkElements, flat.shape[0] - first);
            using var chunk = flat.narrow(0, first, count);
            var target = chunk.bytes;
            long fileOffset = entry.Start + first * elementSize;
            int done = 0;
            while (done < target.Length)
            {
                int n = RandomAccess.Read(stream.SafeFileHandle, target[done..], fileOffset + done);
                if (n == 0)
                {
                    throw InvalidInputException.ForFile(Path, $"tensor '{entry.Name}': file ended early (truncated)");
                }
                done += n;
            }
        }
    }

    public void Dispose() => stream.Dispose();
}
