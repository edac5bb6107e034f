namespace Cqil.Lab.Core.Model;

/// <summary>
/// Who a loaded model is: a display name, where it came from, and a fingerprint of its files' metadata
/// (config, tensor headers, sizes) that is cheap to compute yet changes when the checkpoint does. Plans,
/// analyses and results record it, so they can be checked against the model they are used with.
/// </summary>
public sealed record ModelIdentity(string Name, string Path, string Format, int LayerCount, string Fingerprint)
{
    public override string ToString() => $"{Name} ({Format}, {LayerCount} layers, {Fingerprint[..Math.Min(12, Fingerprint.Length)]})";
}
