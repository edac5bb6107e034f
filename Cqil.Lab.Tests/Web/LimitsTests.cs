using System.Net;
using Cqil.Lab.Core.Access;
using Cqil.Lab.Tests.Fixtures;

namespace Cqil.Lab.Tests.Web;

/// <summary>Limits from configuration, each refused with a message that names the setting: queued jobs per user (429), tokens per job and samples per analysis (400).</summary>
public sealed class LimitsTests : IAsyncLifetime
{
    private InProcessLab lab = null!;

    public Task InitializeAsync()
    {
        lab = new InProcessLab(new Dictionary<string, string>
        {
            ["Lab:Limits:QueuedJobsPerUser"] = "2",
            ["Lab:Limits:TokensPerJob"] = "4000",
            ["Lab:Limits:SamplesPerAnalysis"] = "16",
        });
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await lab.DisposeAsync();

    [Fact]
    public async Task A_user_with_a_full_queue_gets_a_429_and_others_are_not_held_up()
    {
        // A lab of its own with one lane, held by another user's long measurement: ana's jobs stay queued whatever
        // the machine's speed, so her third one meets the limit (a fast machine used to finish the first two first).
        await using var held = new InProcessLab(new Dictionary<string, string>
        {
            ["Lab:Limits:QueuedJobsPerUser"] = "2",
            ["Lab:Devices:0:Name"] = "cpu",
            ["Lab:Devices:0:Lanes"] = "1",
        });
        var cy = await held.ClientAsync("cy", LabRole.Researcher);
        var blocker = await cy.PostOkAsync("/api/jobs/latency", LongJobs.Latency);
        string blockerId = (string)blocker["jobs"]![0]!["id"]!;
        await cy.WaitForAsync(blockerId, TimeSpan.FromSeconds(60), "running");

        var ana = await held.ClientAsync("ana", LabRole.Researcher);
        var bob = await held.ClientAsync("bob", LabRole.Researcher);
        var first = await ana.PostOkAsync("/api/jobs/generation", "{\"prompt\": \"a\", \"max_new_tokens\": 1}");
        await ana.PostOkAsync("/api/jobs/generation", "{\"prompt\": \"a\", \"max_new_tokens\": 1}");

        var (status, body) = await ana.PostAsync("/api/jobs/generation", "{\"prompt\": \"a\", \"max_new_tokens\": 1}");
        Assert.Equal(HttpStatusCode.TooManyRequests, status);
        Assert.Contains("the limit is 2 per user (Lab:Limits:QueuedJobsPerUser)", (string?)body!["error"]);

        // A run is queued whole or not at all: no run is recorded for a refused one.
        int runsBefore = (await ana.GetAsync("/api/runs")).AsArray().Count;
        var (runStatus, _) = await ana.PostAsync("/api/runs", $"{{\"name\": \"too many\", \"tasks\": [\"{LabModelFixture.TaskName}\"], \"limit\": 2}}");
        Assert.Equal(HttpStatusCode.TooManyRequests, runStatus);
        Assert.Equal(runsBefore, (await ana.GetAsync("/api/runs")).AsArray().Count);

        await bob.PostOkAsync("/api/jobs/generation", "{\"prompt\": \"b\", \"max_new_tokens\": 1}");
        Assert.True((string?)(await cy.GetAsync($"/api/jobs/{blockerId}"))["status"] == "running",
            "the blocking job ended before the limit was checked; give it more repetitions");

        // Room again once a job is done.
        await cy.PostOkAsync($"/api/jobs/{blockerId}/cancel", "{}");
        await ana.WaitForAsync((string)first["id"]!, TimeSpan.FromSeconds(120), "done");
        await ana.PostOkAsync("/api/jobs/generation", "{\"prompt\": \"a\", \"max_new_tokens\": 1}");
    }

    [Theory]
    [InlineData("/api/jobs/analysis", "{\"source\": \"demo\", \"samples\": 16, \"seq_len\": 512}", "8,192 token positions, over this lab's limit of 4,000 per job (Lab:Limits:TokensPerJob)")]
    [InlineData("/api/jobs/analysis", "{\"source\": \"demo\", \"samples\": 32, \"seq_len\": 16}", "32 samples is over this lab's limit of 16 samples per analysis (Lab:Limits:SamplesPerAnalysis)")]
    [InlineData("/api/jobs/generation", "{\"prompt\": \"Ann\", \"max_new_tokens\": 2048, \"plan\": {\"s\": 2, \"e\": 4, \"p\": 2}}", "systems × (prompt bytes + new tokens)")]
    [InlineData("/api/runs", "{\"tasks\": [\"colours\"], \"limit\": 40}", "items × systems × the model's context length")]
    [InlineData("/api/jobs/latency", "{\"plans\": [{\"s\": 0, \"e\": 6, \"p\": 2}], \"latency\": {\"repetitions\": 100, \"prompt_length\": 64, \"decode_tokens\": 16, \"threads\": [1]}}", "Lab:Limits:TokensPerJob")]
    public async Task Jobs_over_the_size_limits_are_refused_with_the_setting_named(string path, string body, string message)
    {
        var ana = await lab.ClientAsync("ana", LabRole.Researcher);
        var (status, json) = await ana.PostAsync(path, body);
        Assert.True(status == HttpStatusCode.BadRequest, $"{(int)status} {json?.ToJsonString()}");
        Assert.Contains(message, (string?)json!["error"]);
        Assert.Empty((await ana.GetAsync("/api/jobs")).AsArray());
    }
}
