using static TorchSharp.torch;

namespace Cqil.Lab.Core.Checkpoints;

/// <summary>
/// Tensors of a checkpoint under Hugging Face names and layouts ([out, in] matrices, rotate-half q/k rows),
/// delivered one at a time as CPU tensors. Each checkpoint format implements it; one assembler then builds
/// the engine's layout from any of them.
/// </summary>
public interface ITensorSource
{
    bool Contains(string name);

    /// <summary>Reads <paramref name="name"/>, checking it has <paramref name="expectedShape"/>; messages name the file.</summary>
    Tensor Read(string name, long[] expectedShape);
}
