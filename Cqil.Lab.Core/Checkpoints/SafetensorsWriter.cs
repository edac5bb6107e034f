using System.Text;
using System.Text.Json;
using static TorchSharp.torch;

namespace Cqil.Lab.Core.Checkpoints;

/// <summary>Writes tensors as one safetensors file (header padded to 8 bytes, tensors in the given order).</summary>
public static class SafetensorsWriter
{
    public static void Write(string path, IReadOnlyList<(string Name, Tensor Tensor)> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var header = new Dictionary<string, object>();
        if (metadata is { Count: > 0 })
        {
            header["__metadata__"] = metadata;
        }
        long offset = 0;
        foreach (var (name, tensor) in tensors)
        {
            long length = tensor.numel() * tensor.ElementSize;
            header[name] = new Dictionary<string, object>
            {
                ["dtype"] = SafetensorsDtype.NameOf(tensor.dtype),
                ["shape"] = tensor.shape,
                ["data_offsets"] = new[] { offset, offset + length },
            };
            offset += length;
        }
        byte[] json = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(header));
        int padded = (json.Length + 7) / 8 * 8;
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        file.Write(BitConverter.GetBytes((ulong)padded));
        file.Write(json);
        for (int i = json.Length; i < padded; i++)
        {
            file.WriteByte((byte)' ');
        }
        foreach (var (_, tensor) in tensors)
        {
            using var scope = NewDisposeScope();
            var flat = tensor.detach().to(CPU).contiguous().view(-1);
            long chunkElements = Math.Max(1, (1L << 30) / tensor.ElementSize);
            for (long first = 0; first < flat.shape[0]; first += chunkElements)
            {
                file.Write(flat.narrow(0, first, Math.Min(chunkElements, flat.shape[0] - first)).bytes);
            }
        }
    }
}
