namespace Cqil.Lab.Core.Cqil;

/// <summary>
/// A run of consecutive layers [Start, Start+Count) that read the same input and whose updates are summed.
/// A group of one layer is the ordinary layer. Bypass settings may be overridden for this group alone.
/// </summary>
public sealed record LayerGroup(int Start, int Count, int? BypassDistance = null, BypassMode? BypassMode = null)
{
    public int End => Start + Count;

    public bool IsSingleton => Count == 1;

    public IEnumerable<int> Layers => Enumerable.Range(Start, Count);

    public override string ToString() => Count == 1 ? $"[{Start}]" : $"[{string.Join(", ", Layers)}]";
}
