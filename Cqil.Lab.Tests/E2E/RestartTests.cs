using Cqil.Lab.Core.Access;
using Cqil.Lab.Tests.Fixtures;
using Microsoft.Data.Sqlite;

namespace Cqil.Lab.Tests.E2E;

/// <summary>
/// The lab as a real process, killed mid-job (no graceful shutdown) and started again on the same database: the
/// database file passes SQLite's integrity check, the killed job is interrupted, and what finished before the kill
/// — the job record, its result and the run's results in both formats — reads back byte for byte the same.
/// </summary>
[Collection(SerialCollection.Name)]
public sealed class RestartTests : IDisposable
{
    private readonly TempDirectory dir = new();

    public void Dispose() => dir.Dispose();

    [Fact]
    public async Task After_a_kill_and_restart_the_database_is_intact_earlier_results_are_unchanged_and_the_running_job_is_interrupted()
    {
        string root = Path.Combine(dir.Path, "models");
        string model = LabModelFixture.Write(Path.Combine(root, "lab-model"));
        string data = Path.Combine(dir.Path, "data"), database = Path.Combine(data, "lab.db");
        var settings = new Dictionary<string, string>
        {
            ["Lab:ModelRoots:0"] = root,
            ["Lab:ModelRoots:1"] = root, // replaces the second folder appsettings.json lists
            ["Lab:DefaultModel"] = model,
            ["Lab:DataFolder"] = data,
            ["Lab:Database"] = database,
            ["Lab:AnalyzeDefaultModelOnStartup"] = "false",
        };
        foreach (var (key, value) in TestAccounts.Settings())
        {
            settings[key] = value;
        }

        string runId, doneJob, killedJob, token;
        string[] paths, before;
        using (var first = await LabServer.StartAsync(settings))
        {
            token = (await TestAccounts.TokensAsync(first.Url, ("ana", LabRole.Researcher)))["ana"];
            var api = new LabApiClient(new HttpClient { BaseAddress = new Uri(first.Url) }, token);
            var run = await api.PostOkAsync("/api/runs", $$$"""
                {"name": "before the crash", "plans": [{"s": 2, "e": 4, "p": 2}], "tasks": ["{{{LabModelFixture.TaskName}}}"], "limit": 8, "latency": null}
                """);
            runId = (string)run["run_id"]!;
            doneJob = (string)run["jobs"]![0]!["id"]!;
            await api.WaitForAsync(doneJob, TimeSpan.FromSeconds(120), "done");
            // What a reader sees of the finished work, recorded before the crash.
            paths = [$"/api/jobs/{doneJob}", $"/api/jobs/{doneJob}/result", $"/api/runs/{runId}/results", $"/api/runs/{runId}/results?format=csv"];
            before = await ReadAllAsync(api, paths);

            var slow = await api.PostOkAsync("/api/jobs/latency", LongJobs.Latency);
            killedJob = (string)slow["jobs"]![0]!["id"]!;
            await api.WaitForAsync(killedJob, TimeSpan.FromSeconds(60), "running");
            await Task.Delay(500);
            Assert.Equal("running", (string?)(await api.GetAsync($"/api/jobs/{killedJob}"))["status"]);
            first.Kill(); // no graceful shutdown: the database still says "running"
        }

        Assert.Equal("ok", IntegrityCheck(database, Path.Combine(dir.Path, "check")));

        using var second = await LabServer.StartAsync(settings);
        var after = new LabApiClient(new HttpClient { BaseAddress = new Uri(second.Url) }, token);

        var runs = (await after.GetAsync("/api/runs")).AsArray();
        Assert.Contains(runs, r => (string?)r!["id"] == runId && (string?)r["name"] == "before the crash");
        var done = await after.GetAsync($"/api/jobs/{doneJob}");
        Assert.Equal("done", (string?)done["status"]);
        var results = await after.GetAsync($"/api/runs/{runId}/results");
        Assert.Equal(8, (int?)results["rows"]![1]!["scores"]![0]!["n"]);
        var afterTexts = await ReadAllAsync(after, paths);
        for (int i = 0; i < paths.Length; i++)
        {
            Assert.True(before[i] == afterTexts[i], $"GET {paths[i]} changed across the restart:\nbefore: {before[i]}\nafter:  {afterTexts[i]}");
        }

        var killed = await after.GetAsync($"/api/jobs/{killedJob}");
        Assert.Equal("interrupted", (string?)killed["status"]);
        Assert.Contains("stopped while this job was running", (string?)killed["error"]);

        // The restarted lab still takes work.
        var again = await after.PostOkAsync("/api/jobs/analysis", "{\"source\": \"demo\", \"samples\": 4, \"seq_len\": 32}");
        await after.WaitForAsync((string)again["id"]!, TimeSpan.FromSeconds(60), "done");
    }

    private static async Task<string[]> ReadAllAsync(LabApiClient api, string[] paths)
    {
        var texts = new string[paths.Length];
        for (int i = 0; i < paths.Length; i++)
        {
            var (status, text) = await api.GetTextAsync(paths[i]);
            Assert.True(status == System.Net.HttpStatusCode.OK, $"GET {paths[i]} answered {(int)status}: {text}");
            Assert.False(string.IsNullOrWhiteSpace(text), $"GET {paths[i]} answered nothing");
            texts[i] = text;
        }
        return texts;
    }

    /// <summary>
    /// SQLite's own check (every page, index and constraint) of the database as the kill left it: "ok" when intact.
    /// It reads a copy of the file and its write-ahead log, so the restart still recovers from the originals untouched.
    /// </summary>
    private static string IntegrityCheck(string database, string scratch)
    {
        Assert.True(File.Exists(database), $"no database at {database}");
        Directory.CreateDirectory(scratch);
        string copy = Path.Combine(scratch, Path.GetFileName(database));
        File.Copy(database, copy);
        if (File.Exists(database + "-wal"))
        {
            File.Copy(database + "-wal", copy + "-wal");
        }
        using var connection = new SqliteConnection($"Data Source={copy};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA integrity_check";
        return (string)command.ExecuteScalar()!;
    }
}
