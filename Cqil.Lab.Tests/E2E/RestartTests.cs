using Cqil.Lab.Tests.Fixtures;

namespace Cqil.Lab.Tests.E2E;

/// <summary>The lab as a real process, killed mid-job and started again on the same database.</summary>
[Collection(SerialCollection.Name)]
public sealed class RestartTests : IDisposable
{
    private readonly TempDirectory dir = new();

    public void Dispose() => dir.Dispose();

    [Fact]
    public async Task After_a_kill_and_restart_finished_runs_are_still_listed_and_the_running_job_is_interrupted()
    {
        string root = Path.Combine(dir.Path, "models");
        string model = LabModelFixture.Write(Path.Combine(root, "lab-model"));
        var settings = new Dictionary<string, string>
        {
            ["Lab:ModelRoots:0"] = root,
            ["Lab:ModelRoots:1"] = root,
            ["Lab:DefaultModel"] = model,
            ["Lab:DataFolder"] = Path.Combine(dir.Path, "data"),
            ["Lab:AnalyzeDefaultModelOnStartup"] = "false",
        };

        string runId, doneJob, killedJob;
        using (var first = await LabServer.StartAsync(settings))
        {
            var api = new LabApiClient(new HttpClient { BaseAddress = new Uri(first.Url) });
            var run = await api.PostOkAsync("/api/runs", $$$"""
                {"name": "before the crash", "plans": [{"s": 2, "e": 4, "p": 2}], "tasks": ["{{{LabModelFixture.TaskName}}}"], "limit": 8, "latency": null}
                """);
            runId = (string)run["run_id"]!;
            doneJob = (string)run["jobs"]![0]!["id"]!;
            await api.WaitForAsync(doneJob, TimeSpan.FromSeconds(120), "done");

            var slow = await api.PostOkAsync("/api/jobs/latency", """
                {"plans": [{"s": 0, "e": 6, "p": 2}], "latency": {"repetitions": 1000, "warmup": 0, "prompt_length": 16, "decode_tokens": 8, "threads": [1]} }
                """);
            killedJob = (string)slow["jobs"]![0]!["id"]!;
            await api.WaitForAsync(killedJob, TimeSpan.FromSeconds(60), "running");
            await Task.Delay(500);
            first.Kill(); // no graceful shutdown: the database still says "running"
        }

        using var second = await LabServer.StartAsync(settings);
        var after = new LabApiClient(new HttpClient { BaseAddress = new Uri(second.Url) });

        var runs = (await after.GetAsync("/api/runs")).AsArray();
        Assert.Contains(runs, r => (string?)r!["id"] == runId && (string?)r["name"] == "before the crash");
        var done = await after.GetAsync($"/api/jobs/{doneJob}");
        Assert.Equal("done", (string?)done["status"]);
        var results = await after.GetAsync($"/api/runs/{runId}/results");
        Assert.Equal(8, (int?)results["rows"]![1]!["scores"]![0]!["n"]);

        var killed = await after.GetAsync($"/api/jobs/{killedJob}");
        Assert.Equal("interrupted", (string?)killed["status"]);
        Assert.Contains("stopped while this job was running", (string?)killed["error"]);

        // The restarted lab still takes work.
        var again = await after.PostOkAsync("/api/jobs/analysis", "{\"source\": \"demo\", \"samples\": 4, \"seq_len\": 32}");
        await after.WaitForAsync((string)again["id"]!, TimeSpan.FromSeconds(60), "done");
    }
}
