namespace Cqil.Lab.Web.Data;

/// <summary>A personal API token: only its SHA-256 is stored (the secret is shown once, when it is made).</summary>
public sealed class ApiTokenRecord
{
    public Guid Id { get; set; }

    /// <summary>The account's Identity id and user name (the name is what jobs record as their owner).</summary>
    public required string AccountId { get; set; }
    public required string UserName { get; set; }

    /// <summary>What the owner called it ("laptop script").</summary>
    public required string Name { get; set; }

    /// <summary>Lower-case hex SHA-256 of the secret (<see cref="Core.Access.ApiTokens.Hash"/>).</summary>
    public required string Hash { get; set; }

    /// <summary>The first characters of the secret, so its owner can tell tokens apart.</summary>
    public required string Hint { get; set; }

    public DateTime CreatedUtc { get; set; }
    public DateTime? ExpiresUtc { get; set; }
    public DateTime? LastUsedUtc { get; set; }
    public DateTime? RevokedUtc { get; set; }

    public bool IsActive(DateTime now) => RevokedUtc is null && (ExpiresUtc is null || ExpiresUtc > now);
}
