using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Cqil.Lab.Core.Access;
using Cqil.Lab.Tests.Fixtures;
using Xunit.Abstractions;

namespace Cqil.Lab.Tests.E2E;

/// <summary>
/// 20 API clients — 20 researchers, each with their own API token — submit small generation jobs on stories260K at
/// once to the lab running as a real process, over loopback HTTP. Every job completes; none is lost or duplicated;
/// and the device takes turns between users: no user starts twice in a row while another has work waiting, and since
/// every job is queued before the first one starts, each 20 consecutive starts belong to 20 different users.
/// Throughput and the longest waits are printed (and written to TestResults/load-test.txt), never asserted.
/// </summary>
[Collection(SerialCollection.Name)]
public sealed class LoadTests(ITestOutputHelper output) : IDisposable
{
    private const int Clients = 20, JobsPerClient = 3, NewTokens = 4;
    private const string Model = "data/stories260K/stories260K.bin", Tokenizer = "data/stories260K/tok512.bin";
    private readonly TempDirectory dir = new();

    public void Dispose() => dir.Dispose();

    [SharedDataFact(Model, Tokenizer)]
    public async Task Twenty_concurrent_clients_every_job_completes_once_and_users_take_turns()
    {
        string model = SharedData.Path(Model), folder = Path.GetDirectoryName(model)!;
        var settings = new Dictionary<string, string>
        {
            ["Lab:ModelRoots:0"] = folder,
            ["Lab:ModelRoots:1"] = folder, // replaces the second folder appsettings.json lists
            ["Lab:DefaultModel"] = model,
            ["Lab:DataFolder"] = Path.Combine(dir.Path, "data"),
            ["Lab:AnalyzeDefaultModelOnStartup"] = "false",
            // One lane: jobs start one after another, so the start times give the scheduler's order exactly.
            ["Lab:Devices:0:Name"] = "cpu",
            ["Lab:Devices:0:Lanes"] = "1",
        };
        foreach (var (key, value) in TestAccounts.Settings())
        {
            settings[key] = value;
        }
        using var server = await LabServer.StartAsync(settings);
        var users = Enumerable.Range(1, Clients).Select(i => ($"user{i:D2}", LabRole.Researcher)).ToArray();
        var tokens = await TestAccounts.TokensAsync(server.Url, users);
        var admin = new LabApiClient(new HttpClient { BaseAddress = new Uri(server.Url) }, tokens[TestAccounts.AdminUser]);

        // An admin's long measurement holds the device while the burst arrives, so every job waits in the line and
        // the turns are the scheduler's alone (cancelled once all are queued; it stops at its next repetition).
        var blocker = await admin.PostOkAsync("/api/jobs/latency", """
            {"plans": [{"s": 0, "e": 4, "p": 2}], "latency": {"repetitions": 1000, "warmup": 0, "prompt_length": 128, "decode_tokens": 64, "threads": [1]} }
            """);
        string blockerId = (string)blocker["jobs"]![0]!["id"]!;
        await admin.WaitForAsync(blockerId, TimeSpan.FromSeconds(60), "running");

        var clients = users.Select(u => (User: u.Item1, Api: new LabApiClient(new HttpClient { BaseAddress = new Uri(server.Url) }, tokens[u.Item1]))).ToList();
        var clock = Stopwatch.StartNew();
        // Each client sends its jobs at once too, so they arrive interleaved at random: a first-come-first-served
        // queue would give some user two turns in a row, and the turn checks below would fail.
        var submitted = await Task.WhenAll(clients.Select(async (c, index) =>
        {
            var jobs = await Task.WhenAll(Enumerable.Range(0, JobsPerClient).Select(k =>
                c.Api.PostOkAsync("/api/jobs/generation", $"{{\"prompt\": \"Once upon a time {index} {k}\", \"max_new_tokens\": {NewTokens}}}")));
            Assert.All(jobs, job => Assert.Equal(c.User, (string?)job["owner"]));
            return (c.User, Ids: jobs.Select(job => (string)job["id"]!).ToList());
        }));
        double submitSeconds = clock.Elapsed.TotalSeconds;
        Assert.True((string?)(await admin.GetAsync($"/api/jobs/{blockerId}"))["status"] == "running",
            "the blocking job ended before the burst was queued; give it more repetitions");
        await admin.PostOkAsync($"/api/jobs/{blockerId}/cancel", "{}");
        var freed = await admin.WaitForAsync(blockerId, TimeSpan.FromSeconds(60), "cancelled");

        var all = submitted.SelectMany(s => s.Ids).ToList();
        Assert.Equal(Clients * JobsPerClient, all.Count);
        Assert.Equal(all.Count, all.Distinct().Count());
        var listed = await WaitUntilFinishedAsync(admin, all.Count, TimeSpan.FromSeconds(300));

        // Nothing lost, nothing doubled: the lab lists each submitted job exactly once, done, with its submitter as owner,
        // and each client reads its own results.
        Assert.Equal(all.Order(), listed.Select(j => (string)j["id"]!).Order());
        var owners = submitted.SelectMany(s => s.Ids.Select(id => (id, s.User))).ToDictionary(p => p.id, p => p.User);
        Assert.All(listed, j => Assert.Equal(owners[(string)j["id"]!], (string?)j["owner"]));
        Assert.All(listed, j => Assert.True((string?)j["status"] == "done", $"job {j["id"]} is {j["status"]}: {j["error"]}"));
        await Task.WhenAll(clients.Zip(submitted).Select(async pair =>
        {
            foreach (var id in pair.Second.Ids)
            {
                var result = await pair.First.Api.GetAsync($"/api/jobs/{id}/result");
                Assert.False(string.IsNullOrEmpty(result.ToJsonString()), $"job {id} has no result");
            }
        }));

        var jobs = listed.Select(j => new Timed(
            (string)j["id"]!, (string)j["owner"]!, Utc(j["created_utc"]), Utc(j["started_utc"]), Utc(j["finished_utc"]))).ToList();
        var order = jobs.OrderBy(j => j.Started).ToList();
        CheckTurns(order);

        DateTime free = Utc(freed["finished_utc"]);
        var firstStart = order[0].Started;
        var lastFinish = jobs.Max(j => j.Finished);
        double drain = (lastFinish - firstStart).TotalSeconds;
        var report = new StringBuilder()
            .AppendLine(CultureInfo.InvariantCulture, $"load test: {Clients} API clients = {Clients} users (one token each), {all.Count} generation jobs on stories260K ({NewTokens} new tokens each), 1 cpu lane")
            .AppendLine(CultureInfo.InvariantCulture, $"  submitted      {all.Count} in {submitSeconds:F2} s ({all.Count / submitSeconds:F0}/s) while an admin's job held the device")
            .AppendLine(CultureInfo.InvariantCulture, $"  throughput     {all.Count} jobs from first start to last finish in {drain:F2} s = {all.Count / drain:F1} jobs/s")
            .AppendLine(CultureInfo.InvariantCulture, $"  longest wait   submit → start {jobs.Max(j => (j.Started - j.Created).TotalSeconds):F2} s, submit → finish {jobs.Max(j => (j.Finished - j.Created).TotalSeconds):F2} s "
                + $"(both include the {(free - jobs.Min(j => j.Created)).TotalSeconds:F2} s the device was held after the first submission)")
            .AppendLine(CultureInfo.InvariantCulture, $"  after release  submit → start {jobs.Max(j => (j.Started - Later(j.Created, free)).TotalSeconds):F2} s, submit → finish {jobs.Max(j => (j.Finished - Later(j.Created, free)).TotalSeconds):F2} s (waits counted from when the device was free)")
            .AppendLine(CultureInfo.InvariantCulture, $"  start order    {string.Join(" ", order.Take(2 * Clients).Select(j => j.Owner[4..]))} …")
            .ToString();
        output.WriteLine(report);
        Console.WriteLine(report);
        string results = Path.Combine(SharedData.RepositoryRoot() ?? ".", "TestResults");
        Directory.CreateDirectory(results);
        await File.WriteAllTextAsync(Path.Combine(results, "load-test.txt"), report);
    }

    private sealed record Timed(string Id, string Owner, DateTime Created, DateTime Started, DateTime Finished);

    /// <summary>
    /// Fair turns in start order: a user starts twice in a row only when nobody else had a job waiting then; and as
    /// every job was waiting before the first start, each window of <see cref="Clients"/> starts has every user once.
    /// </summary>
    private static void CheckTurns(IReadOnlyList<Timed> order)
    {
        string Sequence() => string.Join(" ", order.Select(j => j.Owner[4..]));
        for (int i = 1; i < order.Count; i++)
        {
            var start = order[i];
            if (start.Owner != order[i - 1].Owner)
            {
                continue;
            }
            var skipped = order.FirstOrDefault(j => j.Owner != start.Owner && j.Created < start.Started && j.Started > start.Started);
            Assert.True(skipped is null, $"{start.Owner} started twice in a row (starts {i - 1}, {i}) while {skipped?.Owner} was waiting; order: {Sequence()}");
        }
        Assert.True(order.Max(j => j.Created) < order[0].Started, "a job was submitted after the first start; the busy device did not hold the burst");
        for (int i = 0; i + Clients <= order.Count; i++)
        {
            var window = order.Skip(i).Take(Clients).Select(j => j.Owner).ToList();
            Assert.True(window.Distinct().Count() == Clients, $"starts {i}..{i + Clients - 1} repeat a user; order: {Sequence()}");
        }
    }

    /// <summary>Polls the full job list (one request for all, rather than 60 pollers) until every generation job has finished.</summary>
    private static async Task<List<JsonNode>> WaitUntilFinishedAsync(LabApiClient admin, int count, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var jobs = (await admin.GetAsync("/api/jobs")).AsArray().Select(j => j!).Where(j => (string?)j["kind"] == "generation").ToList();
            if (jobs.Count >= count && jobs.All(j => (string?)j["status"] is "done" or "failed" or "cancelled" or "interrupted"))
            {
                return jobs;
            }
            Assert.True(DateTime.UtcNow < deadline, $"after {timeout.TotalSeconds:F0} s, {jobs.Count(j => (string?)j["status"] == "done")} of {count} jobs are done");
            await Task.Delay(250);
        }
    }

    // The lab stores UTC without a kind; every time compared here comes from it.
    private static DateTime Utc(JsonNode? value) => DateTime.SpecifyKind((DateTime?)value ?? throw new InvalidOperationException("a finished job without its times"), DateTimeKind.Utc);

    private static DateTime Later(DateTime a, DateTime b) => a > b ? a : b;
}
