namespace Cqil.Lab.Core.Model;

/// <summary>Which positions need logits: the head is a large product, so skip what the caller will not read.</summary>
public enum LogitsFor
{
    AllPositions,
    LastPosition,
    None,
}
