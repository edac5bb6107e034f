using Cqil.Lab.Web.Data;
using Cqil.Lab.Web.Hosting;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace Cqil.Lab.Web.Accounts;

/// <summary>
/// Sign-in and sign-out as form posts (the sign-in page is a static page; the sign-out button sits in every page's
/// header). Both bind form fields, so ASP.NET Core checks their antiforgery token: a post without the token from
/// the lab's own page is refused with 400.
/// </summary>
public static class AccountEndpoints
{
    public const string LoginPath = "/account/login";
    public const string LogoutPath = "/account/logout";
    public const string DeniedPath = "/account/denied";

    public static IEndpointRouteBuilder MapLabAccounts(this IEndpointRouteBuilder app)
    {
        app.MapPost(LoginPath, async ([FromForm] string? user, [FromForm] string? password, [FromForm] string? returnUrl,
            SignInManager<LabAccount> signIn, IOptions<LabOptions> options) =>
        {
            string back = SafeReturnUrl(returnUrl);
            if (options.Value.Auth.IsSingleUser)
            {
                return Results.LocalRedirect(back);
            }
            var result = string.IsNullOrEmpty(user) || string.IsNullOrEmpty(password)
                ? Microsoft.AspNetCore.Identity.SignInResult.Failed
                : await signIn.PasswordSignInAsync(user.Trim(), password, isPersistent: false, lockoutOnFailure: true);
            if (result.Succeeded)
            {
                return Results.LocalRedirect(back);
            }
            string error = result.IsLockedOut ? "locked" : "failed";
            return Results.LocalRedirect($"{LoginPath}?error={error}&returnUrl={Uri.EscapeDataString(back)}");
        }).AllowAnonymous();

        app.MapPost(LogoutPath, async ([FromForm] string? returnUrl, SignInManager<LabAccount> signIn) =>
        {
            await signIn.SignOutAsync();
            return Results.LocalRedirect(LoginPath);
        }).AllowAnonymous();
        return app;
    }

    /// <summary>Only paths of this lab are followed after sign-in (no open redirect to another site).</summary>
    public static string SafeReturnUrl(string? returnUrl) =>
        returnUrl is { Length: > 0 } r && r.StartsWith('/') && !r.StartsWith("//", StringComparison.Ordinal) && !r.StartsWith("/\\", StringComparison.Ordinal)
            && !r.StartsWith(LoginPath, StringComparison.OrdinalIgnoreCase) ? r : "/";
}
