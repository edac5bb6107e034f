using System.Security.Claims;
using Cqil.Lab.Core.Access;
using Cqil.Lab.Web.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace Cqil.Lab.Web.Accounts;

/// <summary>The claims the lab reads from a signed-in principal (name and role), whichever way it signed in.</summary>
public static class LabClaims
{
    /// <summary>The caller behind a principal; null when it is not signed in or carries no lab role.</summary>
    public static LabCaller? Caller(ClaimsPrincipal? principal)
    {
        if (principal?.Identity is not { IsAuthenticated: true } || principal.Identity.Name is not { Length: > 0 } name)
        {
            return null;
        }
        return LabRoles.TryParse(principal.FindFirstValue(ClaimTypes.Role), out var role) ? new LabCaller(name, role) : null;
    }

    public static LabCaller RequireCaller(ClaimsPrincipal? principal) =>
        Caller(principal) ?? throw new AccessDeniedException("sign in first");

    /// <summary>A principal for an account signed in by another scheme (API token, single-user).</summary>
    public static ClaimsPrincipal Principal(string id, string name, LabRole role, string scheme) =>
        new(new ClaimsIdentity(
            [new Claim(ClaimTypes.NameIdentifier, id), new Claim(ClaimTypes.Name, name), new Claim(ClaimTypes.Role, LabRoles.Name(role))],
            scheme, ClaimTypes.Name, ClaimTypes.Role));
}

/// <summary>Adds the account's role to the cookie's claims, so role checks need no database read per request.</summary>
public sealed class LabClaimsFactory(UserManager<LabAccount> users, IOptions<IdentityOptions> options)
    : UserClaimsPrincipalFactory<LabAccount>(users, options)
{
    protected override async Task<ClaimsIdentity> GenerateClaimsAsync(LabAccount user)
    {
        var identity = await base.GenerateClaimsAsync(user);
        identity.AddClaim(new Claim(ClaimTypes.Role, user.Role));
        return identity;
    }
}
