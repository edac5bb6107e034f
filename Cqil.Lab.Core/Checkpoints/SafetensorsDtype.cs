using static TorchSharp.torch;

namespace Cqil.Lab.Core.Checkpoints;

/// <summary>The safetensors dtype names and their torch types and sizes.</summary>
public static class SafetensorsDtype
{
    private static readonly Dictionary<string, (ScalarType Type, int Size)> Known = new()
    {
        ["F64"] = (ScalarType.Float64, 8),
        ["F32"] = (ScalarType.Float32, 4),
        ["F16"] = (ScalarType.Float16, 2),
        ["BF16"] = (ScalarType.BFloat16, 2),
        ["I64"] = (ScalarType.Int64, 8),
        ["I32"] = (ScalarType.Int32, 4),
        ["I16"] = (ScalarType.Int16, 2),
        ["I8"] = (ScalarType.Int8, 1),
        ["U8"] = (ScalarType.Byte, 1),
        ["BOOL"] = (ScalarType.Bool, 1),
    };

    public static bool TryGet(string name, out ScalarType type, out int size)
    {
        if (Known.TryGetValue(name, out var info))
        {
            (type, size) = info;
            return true;
        }
        (type, size) = (default, 0);
        return false;
    }

    public static string NameOf(ScalarType type) =>
        Known.FirstOrDefault(kv => kv.Value.Type == type).Key ?? throw new ArgumentException($"no safetensors name for {type}");

    public static string Supported => string.Join(", ", Known.Keys);
}
