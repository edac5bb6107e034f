using System.Text.Json.Nodes;
using Cqil.Lab.Core;
using Cqil.Lab.Core.Access;
using Cqil.Lab.Web.Accounts;
using Cqil.Lab.Web.Data;
using Cqil.Lab.Web.Hosting;
using Microsoft.Extensions.Options;

namespace Cqil.Lab.Web.Api;

/// <summary>
/// Accounts through the API: a caller's own personal API tokens (made, listed without secrets, revoked) and, for
/// admins, the accounts themselves. Mapped inside the /api group, so it shares its sign-in and refusal rules.
/// </summary>
public static class AccountApi
{
    public static RouteGroupBuilder MapLabAccountApi(this RouteGroupBuilder api)
    {
        api.MapGet("/tokens", async (HttpContext http, LabAccounts accounts, ApiTokenStore tokens) =>
            (await tokens.ListAsync((await Own(http, accounts)).Id)).Select(TokenInfo));
        api.MapPost("/tokens", async (HttpRequest request, LabAccounts accounts, ApiTokenStore tokens, IOptions<LabOptions> options) =>
        {
            var body = await LabApi.ReadObject(request);
            var account = await Own(request.HttpContext, accounts);
            var (token, secret) = await tokens.CreateAsync(account, Text(body, "name"), Number(body, "days"), options.Value.Auth.MaxTokenDays);
            return Results.Created($"/api/tokens/{token.Id}", new
            {
                id = token.Id, name = token.Name, token = secret, expires_utc = token.ExpiresUtc,
                note = "this is the only time the token is shown; send it as 'Authorization: Bearer <token>'",
            });
        });
        api.MapDelete("/tokens/{id:guid}", async (Guid id, HttpContext http, ApiTokenStore tokens) =>
        {
            if (await tokens.GetAsync(id) is not { } token)
            {
                return Results.NotFound(new { error = $"no token {id}" });
            }
            LabPermissions.DemandManage(LabApi.Caller(http), token.UserName, $"token '{token.Name}'");
            await tokens.RevokeAsync(id);
            return Results.NoContent();
        });

        api.MapGet("/users", async (HttpContext http, LabAccounts accounts) =>
        {
            LabPermissions.DemandManageAccounts(LabApi.Caller(http));
            return (await accounts.ListAsync()).Select(UserInfo);
        });
        api.MapPost("/users", async (HttpRequest request, LabAccounts accounts) =>
        {
            var body = await LabApi.ReadObject(request);
            var account = await accounts.CreateAsync(LabApi.Caller(request.HttpContext), Text(body, "name"), Text(body, "role"), Text(body, "password"));
            return Results.Created($"/api/users/{account.UserName}", UserInfo(account));
        });
        api.MapPut("/users/{name}", async (string name, HttpRequest request, LabAccounts accounts) =>
        {
            var body = await LabApi.ReadObject(request);
            var caller = LabApi.Caller(request.HttpContext);
            if (Text(body, "password") is { } password)
            {
                await accounts.ResetPasswordAsync(caller, name, password);
            }
            if (Text(body, "role") is { } role)
            {
                await accounts.SetRoleAsync(caller, name, role);
            }
            return Results.Ok(UserInfo(await accounts.FindAsync(name) ?? throw new InvalidInputException($"no account named {name}")));
        });
        api.MapDelete("/users/{name}", async (string name, HttpContext http, LabAccounts accounts) =>
        {
            await accounts.DeleteAsync(LabApi.Caller(http), name);
            return Results.NoContent();
        });
        return api;
    }

    /// <summary>The caller's own account (single-user mode has none: it makes no tokens).</summary>
    private static async Task<LabAccount> Own(HttpContext http, LabAccounts accounts) =>
        await accounts.FindAsync(LabApi.Caller(http).Name)
        ?? throw new InvalidInputException("this caller has no account (single-user mode needs no tokens)");

    private static string? Text(JsonObject body, string key) => body[key] switch
    {
        null => null,
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        _ => throw new InvalidInputException($"\"{key}\" must be a string"),
    };

    private static int? Number(JsonObject body, string key) => body[key] switch
    {
        null => null,
        JsonValue v when v.TryGetValue<int>(out var n) => n,
        _ => throw new InvalidInputException($"\"{key}\" must be a whole number"),
    };

    private static object TokenInfo(ApiTokenRecord t) => new
    {
        id = t.Id, name = t.Name, hint = t.Hint, created_utc = t.CreatedUtc, expires_utc = t.ExpiresUtc,
        last_used_utc = t.LastUsedUtc, revoked_utc = t.RevokedUtc, active = t.IsActive(DateTime.UtcNow),
    };

    private static object UserInfo(LabAccount a) => new
    {
        name = a.UserName, role = a.Role, created_utc = a.CreatedUtc, locked_until = a.LockoutEnd,
    };
}
