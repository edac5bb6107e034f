using Cqil.Lab.Core.Model;

namespace Cqil.Lab.Core.Checkpoints;

/// <summary>A model found on disk: its architecture when config could be read, or the reason it cannot be used.</summary>
public sealed record ModelEntry(string Name, string Path, string Format, LlamaConfig? Config, string? Error, string? TokenizerPath)
{
    public bool IsUsable => Config is not null && Error is null;
}
