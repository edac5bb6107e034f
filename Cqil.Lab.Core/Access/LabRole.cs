namespace Cqil.Lab.Core.Access;

/// <summary>What an account may do in a shared lab; each role includes everything the one before it may do.</summary>
public enum LabRole
{
    /// <summary>Sees models, plans, jobs and results.</summary>
    Viewer,

    /// <summary>Also starts jobs and manages their own plans, runs and jobs.</summary>
    Researcher,

    /// <summary>Also cancels or reorders anyone's jobs, deletes anyone's plans and manages accounts.</summary>
    Admin,
}

public static class LabRoles
{
    public static IReadOnlyList<LabRole> All { get; } = [LabRole.Viewer, LabRole.Researcher, LabRole.Admin];

    /// <summary>The name used in claims, configuration and the API: viewer, researcher, admin.</summary>
    public static string Name(LabRole role) => role.ToString().ToLowerInvariant();

    public static LabRole Parse(string? name) => TryParse(name, out var role)
        ? role
        : throw new InvalidInputException($"role '{name}': expected {string.Join(", ", All.Select(Name))}");

    public static bool TryParse(string? name, out LabRole role)
    {
        foreach (var r in All)
        {
            if (string.Equals(Name(r), name?.Trim(), StringComparison.OrdinalIgnoreCase))
            {
                role = r;
                return true;
            }
        }
        role = LabRole.Viewer;
        return false;
    }
}
