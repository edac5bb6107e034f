using System.Security.Claims;
using Cqil.Lab.Web.Data;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace Cqil.Lab.Web.Accounts;

/// <summary>
/// An open browser tab keeps the sign-in it started with; every minute this checks that the account still
/// exists with the same role and security stamp, and signs the tab out otherwise (a deleted or re-roled account).
/// </summary>
public sealed class LabRevalidatingStateProvider(ILoggerFactory loggerFactory, IServiceScopeFactory scopes, IOptions<IdentityOptions> identity)
    : RevalidatingServerAuthenticationStateProvider(loggerFactory)
{
    protected override TimeSpan RevalidationInterval => TimeSpan.FromMinutes(1);

    protected override async Task<bool> ValidateAuthenticationStateAsync(AuthenticationState state, CancellationToken cancellationToken)
    {
        var principal = state.User;
        if (principal.Identity?.AuthenticationType == SingleUserAuthenticationHandler.SchemeName)
        {
            return true;
        }
        await using var scope = scopes.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<LabAccount>>();
        var account = await users.GetUserAsync(principal);
        if (account is null || principal.FindFirstValue(ClaimTypes.Role) != account.Role)
        {
            return false;
        }
        string? stamp = principal.FindFirstValue(identity.Value.ClaimsIdentity.SecurityStampClaimType);
        return !users.SupportsUserSecurityStamp || stamp == await users.GetSecurityStampAsync(account);
    }
}
