using System.Text.Encodings.Web;
using Cqil.Lab.Core.Access;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Cqil.Lab.Web.Accounts;

/// <summary>
/// Single-user mode (Lab:Auth:Mode = single-user, for a laptop): every request made directly from this machine is
/// the local admin, without signing in. Anything else — another machine, a request through a proxy, a Host name
/// that is not a loopback name — is not signed in and is refused. <see cref="SingleUserGuard"/> also refuses to
/// start the lab in this mode on a non-loopback address.
/// </summary>
public sealed class SingleUserAuthenticationHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "single-user";
    public const string LocalUser = "local";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync() => Task.FromResult(LabChallenges.IsDirectLoopback(Context)
        ? AuthenticateResult.Success(new AuthenticationTicket(LabClaims.Principal(LocalUser, LocalUser, LabRole.Admin, SchemeName), SchemeName))
        : AuthenticateResult.Fail("single-user mode serves only requests made on this machine to localhost"));

    protected override Task HandleChallengeAsync(AuthenticationProperties properties) =>
        LabChallenges.UnauthorizedAsync(Context, "this lab runs in single-user mode and serves only requests made on this machine to localhost");

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) => LabChallenges.ForbiddenAsync(Context);
}
