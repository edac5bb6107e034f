using Cqil.Lab.Core.Model;

namespace Cqil.Lab.Core.Cqil;

/// <summary>The model a saved plan was made for: enough to refuse a plan that cannot fit and warn about a different checkpoint.</summary>
public sealed record PlanModelReference(string? Name, string? Fingerprint, int LayerCount)
{
    public static PlanModelReference Of(ModelIdentity identity) => new(identity.Name, identity.Fingerprint, identity.LayerCount);
}
