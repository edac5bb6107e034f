using System.Text.Encodings.Web;
using Cqil.Lab.Core.Access;
using Cqil.Lab.Web.Data;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Cqil.Lab.Web.Accounts;

/// <summary>
/// "Authorization: Bearer cqil_…" — a personal API token. The token's hash is looked up on every request, with its
/// account's current role, so a revoked token, a deleted account or a changed role counts from the next request.
/// </summary>
public sealed class ApiTokenAuthenticationHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, ApiTokenStore tokens)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "lab-token";
    private const string BearerPrefix = "Bearer ";

    public static bool HasBearer(HttpRequest request) =>
        request.Headers.Authorization.ToString().StartsWith(BearerPrefix, StringComparison.OrdinalIgnoreCase);

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!HasBearer(Request))
        {
            return AuthenticateResult.NoResult();
        }
        string secret = Request.Headers.Authorization.ToString()[BearerPrefix.Length..].Trim();
        if (await tokens.FindActiveAsync(secret) is not var (_, account))
        {
            return AuthenticateResult.Fail("the API token is unknown, revoked or expired");
        }
        if (!LabRoles.TryParse(account.Role, out var role))
        {
            return AuthenticateResult.Fail("the token's account has no lab role");
        }
        var principal = LabClaims.Principal(account.Id, account.UserName!, role, SchemeName);
        return AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Bearer";
        var result = await HandleAuthenticateOnceSafeAsync();
        await Response.WriteAsJsonAsync(new { error = result.Failure?.Message ?? "sign in: send a personal API token as 'Authorization: Bearer <token>'" });
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) => LabChallenges.ForbiddenAsync(Context);
}
