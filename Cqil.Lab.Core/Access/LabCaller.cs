namespace Cqil.Lab.Core.Access;

/// <summary>Who is asking: an account's name (the owner recorded on plans, runs and jobs) and its role.</summary>
public sealed record LabCaller(string Name, LabRole Role)
{
    /// <summary>The lab itself (its startup analysis of the default model): exempt from per-user limits.</summary>
    public static LabCaller System { get; } = new("lab", LabRole.Admin);

    public bool IsSystem => ReferenceEquals(this, System);

    public override string ToString() => $"{Name} ({LabRoles.Name(Role)})";
}
