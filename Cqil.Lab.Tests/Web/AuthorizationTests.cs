using System.Net;
using System.Text.Json.Nodes;
using Cqil.Lab.Core.Access;
using Cqil.Lab.Tests.Fixtures;

namespace Cqil.Lab.Tests.Web;

/// <summary>Who may do what, through the HTTP API and the pages: anonymous, viewer, researcher, admin.</summary>
public sealed class AuthorizationTests : IAsyncLifetime
{
    private InProcessLab lab = null!;

    public Task InitializeAsync()
    {
        lab = new InProcessLab();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await lab.DisposeAsync();

    [Theory]
    [InlineData("/")]
    [InlineData("/run")]
    [InlineData("/jobs")]
    [InlineData("/results")]
    [InlineData("/account")]
    [InlineData("/users")]
    public async Task Anonymous_page_requests_are_sent_to_the_sign_in_page(string page)
    {
        using var http = lab.Anonymous();
        using var response = await http.GetAsync(page);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/account/login", response.Headers.Location!.PathAndQuery);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/account/login")).StatusCode);
    }

    [Theory]
    [InlineData("GET", "/api/models")]
    [InlineData("GET", "/api/jobs")]
    [InlineData("GET", "/api/runs")]
    [InlineData("GET", "/api/me")]
    [InlineData("POST", "/api/jobs/analysis")]
    [InlineData("POST", "/api/runs")]
    [InlineData("POST", "/api/plans")]
    [InlineData("POST", "/api/tokens")]
    public async Task Anonymous_api_requests_are_refused_with_401(string method, string path)
    {
        var api = new LabApiClient(lab.Anonymous());
        var (status, body) = await api.SendAsync(new HttpMethod(method), path, method == "POST" ? "{}" : null);

        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Contains("sign in", (string?)body!["error"]);
    }

    [Fact]
    public async Task An_anonymous_browser_cannot_open_an_interactive_circuit()
    {
        using var http = lab.Anonymous();
        using var response = await http.PostAsync("/_blazor/negotiate?negotiateVersion=1", null);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/account/login", response.Headers.Location!.PathAndQuery);
    }

    [Fact]
    public async Task A_wrong_or_revoked_token_is_refused()
    {
        var bogus = new LabApiClient(lab.Factory.CreateClient(), "cqil_notarealtokennotarealtokennotareal");
        var (status, body) = await bogus.SendAsync(HttpMethod.Get, "/api/models");
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Contains("unknown, revoked or expired", (string?)body!["error"]);

        var ana = await lab.ClientAsync("ana", LabRole.Researcher);
        Assert.Equal(HttpStatusCode.OK, (await ana.GetTextAsync("/api/models")).Status);
        var tokens = (await ana.GetAsync("/api/tokens")).AsArray();
        var listed = Assert.Single(tokens)!;
        Assert.DoesNotContain(ana.Token!, listed.ToJsonString()); // shown once, never listed
        Assert.EndsWith("…", (string?)listed["hint"]);

        Assert.Equal(HttpStatusCode.NoContent, (await ana.SendAsync(HttpMethod.Delete, $"/api/tokens/{listed["id"]}")).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await ana.GetTextAsync("/api/models")).Status);
    }

    [Fact]
    public async Task A_viewer_sees_results_but_cannot_start_jobs_or_save_plans()
    {
        var viewer = await lab.ClientAsync("vic", LabRole.Viewer);
        Assert.Equal(HttpStatusCode.OK, (await viewer.GetTextAsync("/api/jobs")).Status);
        Assert.Equal(HttpStatusCode.OK, (await viewer.GetTextAsync("/api/runs")).Status);
        Assert.Equal(HttpStatusCode.OK, (await viewer.GetTextAsync("/api/plans")).Status);

        foreach (var (path, body) in new[]
        {
            ("/api/jobs/analysis", "{\"source\": \"demo\", \"samples\": 2, \"seq_len\": 16}"),
            ("/api/jobs/generation", "{\"prompt\": \"Ann\", \"max_new_tokens\": 2}"),
            ("/api/runs", $"{{\"tasks\": [\"{LabModelFixture.TaskName}\"], \"limit\": 2}}"),
            ("/api/jobs/latency", LongJobs.Latency),
            ("/api/plans", "{\"name\": \"mine\", \"s\": 2, \"e\": 4, \"p\": 2}"),
        })
        {
            var (status, json) = await viewer.PostAsync(path, body);
            Assert.True(status == HttpStatusCode.Forbidden, $"{path}: {(int)status} {json?.ToJsonString()}");
            Assert.Contains("needs the researcher role", (string?)json!["error"]);
        }
        Assert.Empty((await viewer.GetAsync("/api/jobs")).AsArray());
    }

    [Fact]
    public async Task A_researcher_cannot_cancel_anothers_job_or_delete_their_plan_and_an_admin_can()
    {
        var ana = await lab.ClientAsync("ana", LabRole.Researcher);
        var bob = await lab.ClientAsync("bob", LabRole.Researcher);
        var admin = await lab.ClientAsync("root", LabRole.Admin);

        var started = await ana.PostOkAsync("/api/jobs/latency", LongJobs.Latency);
        string id = (string)started["jobs"]![0]!["id"]!;
        Assert.Equal("ana", (string?)started["jobs"]![0]!["owner"]);

        var (status, body) = await bob.PostAsync($"/api/jobs/{id}/cancel", "{}");
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Contains("belongs to ana", (string?)body!["error"]);
        Assert.NotEqual("cancelled", (string?)(await ana.GetAsync($"/api/jobs/{id}"))["status"]);

        var (adminStatus, _) = await admin.PostAsync($"/api/jobs/{id}/cancel", "{}");
        Assert.Equal(HttpStatusCode.Accepted, adminStatus);
        await ana.WaitForAsync(id, TimeSpan.FromSeconds(30), "cancelled");

        var plan = await ana.PostOkAsync("/api/plans", "{\"name\": \"anas\", \"s\": 2, \"e\": 4, \"p\": 2}");
        Assert.Equal("ana", (string?)plan["owner"]);
        Assert.Equal(HttpStatusCode.Forbidden, (await bob.SendAsync(HttpMethod.Delete, $"/api/plans/{plan["id"]}")).Status);
        Assert.Equal(HttpStatusCode.NoContent, (await admin.SendAsync(HttpMethod.Delete, $"/api/plans/{plan["id"]}")).Status);

        // Their own job a researcher may cancel.
        var own = await bob.PostOkAsync("/api/jobs/latency", LongJobs.Latency);
        Assert.Equal(HttpStatusCode.Accepted, (await bob.PostAsync($"/api/jobs/{own["jobs"]![0]!["id"]}/cancel", "{}")).Status);
    }

    [Fact]
    public async Task Only_an_admin_moves_a_job_to_the_front_of_the_line()
    {
        var ana = await lab.ClientAsync("ana", LabRole.Researcher);
        var bob = await lab.ClientAsync("bob", LabRole.Researcher);
        var admin = await lab.ClientAsync("root", LabRole.Admin);
        var blocker = await ana.PostOkAsync("/api/jobs/latency", LongJobs.Latency);
        await ana.WaitForAsync((string)blocker["jobs"]![0]!["id"]!, TimeSpan.FromSeconds(60), "running");
        string Gen(JsonNode j) => (string)j["id"]!;
        var a1 = await ana.PostOkAsync("/api/jobs/generation", "{\"prompt\": \"a\", \"max_new_tokens\": 1}");
        var a2 = await ana.PostOkAsync("/api/jobs/generation", "{\"prompt\": \"b\", \"max_new_tokens\": 1}");
        var b1 = await bob.PostOkAsync("/api/jobs/generation", "{\"prompt\": \"c\", \"max_new_tokens\": 1}");
        // Fair turns: ana was served last (the blocker), so bob goes first, then ana's two.
        Assert.Equal(1, (int?)(await ana.GetAsync($"/api/jobs/{Gen(b1)}"))["position"]);
        Assert.Equal(3, (int?)(await ana.GetAsync($"/api/jobs/{Gen(a2)}"))["position"]);

        var (refused, body) = await ana.PostAsync($"/api/jobs/{Gen(a2)}/move-to-front", "{}");
        Assert.Equal(HttpStatusCode.Forbidden, refused);
        Assert.Contains("only an admin", (string?)body!["error"]);

        var moved = await admin.PostOkAsync($"/api/jobs/{Gen(a2)}/move-to-front", "{}");
        Assert.Equal(1, (int?)moved["position"]);
        Assert.Equal(2, (int?)(await ana.GetAsync($"/api/jobs/{Gen(b1)}"))["position"]);
        Assert.Equal(3, (int?)(await ana.GetAsync($"/api/jobs/{Gen(a1)}"))["position"]);
        foreach (var id in new[] { Gen(a1), Gen(a2), Gen(b1), (string)blocker["jobs"]![0]!["id"]! })
        {
            await admin.PostAsync($"/api/jobs/{id}/cancel", "{}");
        }
    }

    [Fact]
    public async Task Accounts_are_managed_by_admins_only_and_the_last_admin_stays()
    {
        var ana = await lab.ClientAsync("ana", LabRole.Researcher);
        var admin = new LabApiClient(lab.Factory.CreateClient(), await TestAccounts.TokenAsync(lab.Factory.Services, TestAccounts.AdminUser, LabRole.Admin));

        Assert.Equal(HttpStatusCode.Forbidden, (await ana.GetTextAsync("/api/users")).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await ana.PostAsync("/api/users", "{\"name\": \"eve\", \"role\": \"admin\", \"password\": \"0123456789\"}")).Status);

        var (weak, weakBody) = await admin.PostAsync("/api/users", "{\"name\": \"eve\", \"role\": \"viewer\", \"password\": \"short\"}");
        Assert.Equal(HttpStatusCode.BadRequest, weak);
        Assert.Contains("at least 10 characters", (string?)weakBody!["error"]);
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.PostAsync("/api/users", "{\"name\": \"bad name!\", \"role\": \"viewer\", \"password\": \"0123456789\"}")).Status);
        await admin.PostOkAsync("/api/users", "{\"name\": \"eve\", \"role\": \"viewer\", \"password\": \"0123456789\"}");

        var (last, lastBody) = await admin.SendAsync(HttpMethod.Put, $"/api/users/{TestAccounts.AdminUser}", "{\"role\": \"viewer\"}");
        Assert.Equal(HttpStatusCode.BadRequest, last);
        Assert.Contains("last admin", (string?)lastBody!["error"]);

        // A role change counts from the next request made with a token.
        await admin.SendAsync(HttpMethod.Put, "/api/users/ana", "{\"role\": \"viewer\"}");
        Assert.Equal("viewer", (string?)(await ana.GetAsync("/api/me"))["role"]);
        Assert.Equal(HttpStatusCode.Forbidden, (await ana.PostAsync("/api/jobs/generation", "{\"prompt\": \"a\", \"max_new_tokens\": 1}")).Status);
        Assert.Equal(HttpStatusCode.NoContent, (await admin.SendAsync(HttpMethod.Delete, "/api/users/ana")).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await ana.GetTextAsync("/api/me")).Status);
    }

    [Fact]
    public async Task The_sign_in_form_needs_its_antiforgery_token_and_the_right_password()
    {
        using var http = lab.Anonymous();
        Assert.Equal(HttpStatusCode.BadRequest, await TestAccounts.PostLoginAsync(http, TestAccounts.AdminUser, TestAccounts.AdminPassword, withAntiforgery: false));
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("/api/me")).StatusCode);

        Assert.Equal(HttpStatusCode.Redirect, await TestAccounts.PostLoginAsync(http, TestAccounts.AdminUser, "wrong password"));
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("/api/me")).StatusCode);

        Assert.Equal(HttpStatusCode.Redirect, await TestAccounts.PostLoginAsync(http, TestAccounts.AdminUser, TestAccounts.AdminPassword));
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/api/me")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/jobs")).StatusCode);

        // With the browser's cookie, a state-changing API call must be JSON: a form on another site cannot send that.
        using var form = await http.PostAsync("/api/jobs/generation", new StringContent("{\"prompt\": \"a\"}", System.Text.Encoding.UTF8, "text/plain"));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, form.StatusCode);
    }
}
