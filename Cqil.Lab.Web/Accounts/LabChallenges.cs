using System.Net;

namespace Cqil.Lab.Web.Accounts;

/// <summary>What refused requests get: the API a JSON {"error": …} with 401 or 403; pages the sign-in page.</summary>
public static class LabChallenges
{
    public static bool IsApi(HttpRequest request) => request.Path.StartsWithSegments("/api");

    public static async Task UnauthorizedAsync(HttpContext context, string message)
    {
        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
        await context.Response.WriteAsJsonAsync(new { error = message });
    }

    public static async Task ForbiddenAsync(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status403Forbidden;
        await context.Response.WriteAsJsonAsync(new { error = "your role does not allow this" });
    }

    /// <summary>Whether a request comes from this machine itself, directly (no proxy in between) and addressed to a loopback name.</summary>
    public static bool IsDirectLoopback(HttpContext context)
    {
        if (context.Connection.RemoteIpAddress is not { } remote || !IPAddress.IsLoopback(remote))
        {
            return false;
        }
        // A proxy on this machine would make every remote visitor look local.
        if (context.Request.Headers.ContainsKey("X-Forwarded-For") || context.Request.Headers.ContainsKey("Forwarded"))
        {
            return false;
        }
        // A page elsewhere that points its own host name at 127.0.0.1 (DNS rebinding) sends that name as Host.
        return IsLoopbackHost(context.Request.Host.Host);
    }

    public static bool IsLoopbackHost(string host) =>
        host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
        || (IPAddress.TryParse(host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));
}
