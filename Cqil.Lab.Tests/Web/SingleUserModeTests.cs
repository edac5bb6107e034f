using System.Net;
using Cqil.Lab.Tests.Fixtures;
using Cqil.Lab.Web.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Cqil.Lab.Tests.Web;

/// <summary>Single-user mode: everyone on this machine is the local admin; nobody else is anyone; it will not start on a public address.</summary>
public sealed class SingleUserModeTests
{
    /// <summary>Gives in-process requests the remote address a real connection would have (the test server sets none).</summary>
    private sealed class RemoteAddress(string address) : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((context, following) =>
            {
                context.Connection.RemoteIpAddress = IPAddress.Parse(address);
                return following(context);
            });
            next(app);
        };
    }

    private static InProcessLab Lab(string remote) => new(
        new Dictionary<string, string> { ["Lab:Auth:Mode"] = "single-user" },
        b => b.ConfigureServices(s => s.AddSingleton<IStartupFilter>(new RemoteAddress(remote))));

    [Fact]
    public async Task A_request_from_this_machine_is_the_local_admin_without_signing_in()
    {
        await using var lab = Lab("127.0.0.1");
        var api = new LabApiClient(lab.Anonymous());
        var me = await api.GetAsync("/api/me");
        Assert.Equal("local", (string?)me["name"]);
        Assert.Equal("admin", (string?)me["role"]);
        var job = await api.PostOkAsync("/api/jobs/generation", "{\"prompt\": \"Ann\", \"max_new_tokens\": 2}");
        Assert.Equal("local", (string?)job["owner"]);
        Assert.Equal(HttpStatusCode.OK, (await lab.Anonymous().GetAsync("/jobs")).StatusCode);
    }

    [Theory]
    [InlineData("192.0.2.7", null, null)]
    [InlineData("127.0.0.1", "X-Forwarded-For", "192.0.2.7")]
    [InlineData("127.0.0.1", "Host", "lab.example.com")]
    public async Task Anyone_else_is_refused(string remote, string? header, string? value)
    {
        await using var lab = Lab(remote);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/models");
        if (header == "Host")
        {
            request.Headers.Host = value;
        }
        else if (header is not null)
        {
            request.Headers.Add(header, value);
        }
        using var response = await lab.Anonymous().SendAsync(request);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("single-user mode", await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("urls", "http://0.0.0.0:5258", false)]
    [InlineData("urls", "http://*:5258", false)]
    [InlineData("urls", "http://localhost:5258;http://192.0.2.7:5258", false)]
    [InlineData("http_ports", "8080", false)]
    [InlineData("Kestrel:Endpoints:Web:Url", "http://+:80", false)]
    [InlineData("urls", "http://localhost:5258;http://127.0.0.1:5259;http://[::1]:5260", true)]
    public void Single_user_mode_will_not_start_on_a_non_loopback_address(string key, string value, bool allowed)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { [key] = value }).Build();
        var options = new LabOptions { ModelRoots = ["models"] };
        options.Auth.Mode = "single-user";

        var result = new LabAuthValidator(configuration).Validate(null, options);

        Assert.Equal(allowed, result.Succeeded);
        if (!allowed)
        {
            Assert.Contains("serves only localhost", result.FailureMessage);
        }
    }

    [Fact]
    public void An_admin_password_in_an_appsettings_file_stops_the_start()
    {
        using var dir = new TempDirectory();
        string file = dir.File("appsettings.json");
        File.WriteAllText(file, "{\"Lab\": {\"Auth\": {\"Admin\": {\"Password\": \"committed-by-mistake\"}}}}");
        var configuration = new ConfigurationBuilder().AddJsonFile(file).Build();

        var result = new LabAuthValidator(configuration).Validate(null, new LabOptions());

        Assert.False(result.Succeeded);
        Assert.Contains("is set in an appsettings file", result.FailureMessage);
        var fromEnvironment = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Lab:Auth:Admin:Password"] = "from-the-environment" }).Build();
        Assert.True(new LabAuthValidator(fromEnvironment).Validate(null, new LabOptions()).Succeeded);
    }
}
