using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Cqil.Lab.Core.Access;
using Cqil.Lab.Web.Accounts;
using Cqil.Lab.Web.Data;
using Microsoft.Extensions.DependencyInjection;

namespace Cqil.Lab.Tests.Fixtures;

/// <summary>
/// Accounts for tests, made the ways the lab offers: in process through its services (an account and a personal
/// API token in one step), or against a running server the way a person does it — sign in on the sign-in page
/// (with its antiforgery token) and ask the API for a token with the browser's cookie.
/// </summary>
public static partial class TestAccounts
{
    public const string AdminUser = "admin";
    public const string AdminPassword = "admin-password-for-tests";
    public const string Password = "password-for-tests";

    /// <summary>Settings for a lab in accounts mode whose first admin is <see cref="AdminUser"/>.</summary>
    public static IEnumerable<KeyValuePair<string, string>> Settings() =>
    [
        new("Lab:Auth:Mode", "accounts"),
        new("Lab:Auth:Admin:User", AdminUser),
        new("Lab:Auth:Admin:Password", AdminPassword),
    ];

    /// <summary>Makes (or reuses) an account with <paramref name="role"/> and returns a fresh API token for it.</summary>
    public static async Task<string> TokenAsync(IServiceProvider services, string user, LabRole role)
    {
        await using var scope = services.CreateAsyncScope();
        var accounts = scope.ServiceProvider.GetRequiredService<LabAccounts>();
        var account = await accounts.FindAsync(user) ?? await accounts.CreateAsync(new LabCaller("setup", LabRole.Admin), user, LabRoles.Name(role), Password);
        var (_, secret) = await scope.ServiceProvider.GetRequiredService<ApiTokenStore>().CreateAsync(account, "test", null, 0);
        return secret;
    }

    /// <summary>Signs in through the sign-in form; the returned client carries the session cookie.</summary>
    public static async Task<HttpClient> SignInAsync(Uri baseAddress, string user, string password)
    {
        var http = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false }) { BaseAddress = baseAddress };
        var status = await PostLoginAsync(http, user, password);
        Assert.True(status == HttpStatusCode.Redirect, $"sign-in as {user} answered {(int)status}");
        var me = await http.GetAsync("/api/me");
        Assert.True(me.StatusCode == HttpStatusCode.OK, $"{user} is not signed in after the sign-in form ({(int)me.StatusCode})");
        return http;
    }

    /// <summary>Posts the sign-in form with the antiforgery token from the sign-in page.</summary>
    public static async Task<HttpStatusCode> PostLoginAsync(HttpClient http, string user, string password, bool withAntiforgery = true)
    {
        string page = await http.GetStringAsync(AccountEndpoints.LoginPath);
        var fields = new Dictionary<string, string> { ["user"] = user, ["password"] = password, ["returnUrl"] = "/" };
        if (withAntiforgery)
        {
            fields["__RequestVerificationToken"] = AntiforgeryField().Match(page).Groups[1].Value;
        }
        using var response = await http.PostAsync(AccountEndpoints.LoginPath, new FormUrlEncodedContent(fields));
        return response.StatusCode;
    }

    /// <summary>A signed-in client asks for a personal API token (JSON, with its cookie).</summary>
    public static async Task<string> CreateTokenAsync(HttpClient signedIn, string name = "script")
    {
        using var response = await signedIn.PostAsync("/api/tokens", new StringContent($"{{\"name\": \"{name}\"}}", System.Text.Encoding.UTF8, "application/json"));
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"token request answered {(int)response.StatusCode}: {text}");
        return (string)JsonNode.Parse(text)!["token"]!;
    }

    /// <summary>Against a running lab: the admin's token, and for each (user, role) an account made by the admin and a token its user made after signing in.</summary>
    public static async Task<Dictionary<string, string>> TokensAsync(string url, params (string User, LabRole Role)[] users)
    {
        var baseAddress = new Uri(url);
        using var admin = await SignInAsync(baseAddress, AdminUser, AdminPassword);
        var tokens = new Dictionary<string, string> { [AdminUser] = await CreateTokenAsync(admin) };
        var api = new LabApiClient(new HttpClient { BaseAddress = baseAddress }, tokens[AdminUser]);
        foreach (var (user, role) in users)
        {
            await api.PostOkAsync("/api/users", $"{{\"name\": \"{user}\", \"role\": \"{LabRoles.Name(role)}\", \"password\": \"{Password}\"}}");
            using var signedIn = await SignInAsync(baseAddress, user, Password);
            tokens[user] = await CreateTokenAsync(signedIn);
        }
        return tokens;
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();
}
