using System.Text.RegularExpressions;

namespace Cqil.Lab.Web.Hosting;

/// <summary>
/// Who is asking, for queue fairness and ownership: a name kept in a cookie (browsers) or sent in the X-Lab-User
/// header (scripts). Until accounts exist (issue 9) it is a label, not an authentication.
/// </summary>
public static partial class LabUser
{
    public const string Cookie = "cqil-user";
    public const string Header = "X-Lab-User";
    public const string Anonymous = "anonymous";

    /// <summary>A clean user name: letters, digits, dot, dash, underscore, at most 40 characters.</summary>
    public static string Clean(string? name)
    {
        string cleaned = UnsafeCharacters().Replace(name?.Trim() ?? "", "");
        return cleaned.Length == 0 ? Anonymous : cleaned[..Math.Min(40, cleaned.Length)];
    }

    public static string Of(HttpContext context)
    {
        if (context.Request.Headers.TryGetValue(Header, out var header) && header.Count > 0)
        {
            return Clean(header[0]);
        }
        if (context.Items.TryGetValue(Cookie, out var assigned) && assigned is string a)
        {
            return a;
        }
        return context.Request.Cookies.TryGetValue(Cookie, out var cookie) ? Clean(cookie) : Anonymous;
    }

    /// <summary>Gives a browser without a name a guest name that lasts a year.</summary>
    public static IApplicationBuilder UseLabUser(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        if (!context.Request.Cookies.ContainsKey(Cookie) && !context.Request.Headers.ContainsKey(Header) && !context.Request.Path.StartsWithSegments("/api"))
        {
            string name = "guest-" + Guid.NewGuid().ToString("N")[..6];
            context.Items[Cookie] = name;
            context.Response.Cookies.Append(Cookie, name, new CookieOptions { MaxAge = TimeSpan.FromDays(365), SameSite = SameSiteMode.Lax, HttpOnly = false });
        }
        await next();
    });

    [GeneratedRegex(@"[^A-Za-z0-9._@-]")]
    private static partial Regex UnsafeCharacters();
}
