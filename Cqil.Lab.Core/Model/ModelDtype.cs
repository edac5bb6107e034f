using TorchSharp;

namespace Cqil.Lab.Core.Model;

/// <summary>The compute dtypes the engine supports, with their command-line names.</summary>
public static class ModelDtype
{
    public static torch.ScalarType Parse(string text) => text.Trim().ToLowerInvariant() switch
    {
        "f32" or "float32" or "fp32" => torch.ScalarType.Float32,
        "bf16" or "bfloat16" => torch.ScalarType.BFloat16,
        "f16" or "float16" or "fp16" => torch.ScalarType.Float16,
        _ => throw new InvalidInputException($"dtype '{text}': expected f32, bf16 or f16"),
    };

    public static string Name(torch.ScalarType dtype) => dtype switch
    {
        torch.ScalarType.Float32 => "f32",
        torch.ScalarType.BFloat16 => "bf16",
        torch.ScalarType.Float16 => "f16",
        _ => dtype.ToString(),
    };
}
