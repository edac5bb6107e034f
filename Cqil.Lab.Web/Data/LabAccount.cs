using Microsoft.AspNetCore.Identity;

namespace Cqil.Lab.Web.Data;

/// <summary>
/// A lab account (ASP.NET Core Identity user). Its user name is the owner recorded on plans, runs and jobs; it has
/// exactly one role (viewer, researcher or admin), kept on the account itself rather than in Identity's role
/// tables, so "one role per account" holds by construction.
/// </summary>
public sealed class LabAccount : IdentityUser
{
    /// <summary>viewer, researcher or admin (<see cref="Core.Access.LabRoles"/>).</summary>
    public string Role { get; set; } = "viewer";

    public DateTime CreatedUtc { get; set; }
}
