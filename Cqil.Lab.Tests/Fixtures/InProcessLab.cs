using Cqil.Lab.Core.Access;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Cqil.Lab.Tests.Fixtures;

/// <summary>
/// The lab in process (WebApplicationFactory) on a small fixture model, in accounts mode with a first admin, plus
/// whatever settings a test adds; API clients signed with tokens of accounts of any role.
/// </summary>
public sealed class InProcessLab : IAsyncDisposable
{
    private readonly TempDirectory dir = new();

    public InProcessLab(IDictionary<string, string>? settings = null, Action<IWebHostBuilder>? configure = null)
    {
        Root = Path.Combine(dir.Path, "models");
        Model = LabModelFixture.Write(Path.Combine(Root, "lab-model"));
        Factory = new WebApplicationFactory<Program>().WithWebHostBuilder(b =>
        {
            b.UseSetting("Lab:ModelRoots:0", Root);
            b.UseSetting("Lab:ModelRoots:1", Root);
            b.UseSetting("Lab:DefaultModel", Model);
            b.UseSetting("Lab:DataFolder", Path.Combine(dir.Path, "data"));
            b.UseSetting("Lab:AnalyzeDefaultModelOnStartup", "false");
            foreach (var (key, value) in TestAccounts.Settings().Concat(settings ?? new Dictionary<string, string>()))
            {
                b.UseSetting(key, value);
            }
            configure?.Invoke(b);
        });
    }

    public WebApplicationFactory<Program> Factory { get; }

    public string Root { get; }

    public string Model { get; }

    public string Folder => dir.Path;

    /// <summary>A client that sends no credentials and follows no redirects.</summary>
    public HttpClient Anonymous() => Factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

    /// <summary>An API client for <paramref name="user"/> (made with <paramref name="role"/> if new).</summary>
    public async Task<LabApiClient> ClientAsync(string user, LabRole role) =>
        new(Factory.CreateClient(), await TestAccounts.TokenAsync(Factory.Services, user, role));

    public async ValueTask DisposeAsync()
    {
        await Factory.DisposeAsync();
        dir.Dispose();
    }
}
