using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Cqil.Lab.Web.Accounts;

/// <summary>
/// Keeps single-user mode on the machine it was meant for: the start fails when the configured addresses
/// (--urls, ASPNETCORE_URLS, ASPNETCORE_HTTP_PORTS, Kestrel:Endpoints) include one that is not loopback, and once
/// listening the lab stops itself if it is bound anywhere else after all.
/// </summary>
public sealed class SingleUserGuard(IServer server, IHostApplicationLifetime lifetime, ILogger<SingleUserGuard> logger) : IHostedService
{
    public const string Advice = "single-user mode (Lab:Auth:Mode) serves only localhost; bind to http://localhost:PORT or http://127.0.0.1:PORT, or use Lab:Auth:Mode=accounts";

    /// <summary>The configured listening addresses that are not loopback (empty: none, or nothing configured, which means localhost).</summary>
    public static IReadOnlyList<string> NonLoopbackAddresses(IConfiguration configuration)
    {
        var addresses = new List<string>();
        addresses.AddRange((configuration["urls"] ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        foreach (var key in new[] { "http_ports", "https_ports" })
        {
            // Bare ports bind every interface.
            addresses.AddRange((configuration[key] ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(p => $"http://*:{p}"));
        }
        addresses.AddRange(configuration.GetSection("Kestrel:Endpoints").GetChildren().Select(e => e["Url"]).OfType<string>());
        return addresses.Where(a => !IsLoopbackAddress(a)).ToList();
    }

    public static bool IsLoopbackAddress(string address)
    {
        if (!Uri.TryCreate(address.Replace("://*", "://wildcard.invalid").Replace("://+", "://wildcard.invalid"), UriKind.Absolute, out var uri))
        {
            return false;
        }
        return LabChallenges.IsLoopbackHost(uri.Host);
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        lifetime.ApplicationStarted.Register(() =>
        {
            var bound = server.Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
            var outside = bound.Where(a => !IsLoopbackAddress(a)).ToList();
            if (outside.Count > 0)
            {
                logger.LogCritical("stopping: listening on {Addresses}; {Advice}", string.Join(", ", outside), Advice);
                lifetime.StopApplication();
            }
        });
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
