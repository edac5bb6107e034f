using System.Net;
using System.Text.Json.Nodes;
using Cqil.Lab.Core.Access;
using Cqil.Lab.Tests.Fixtures;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Cqil.Lab.Tests.Web;

/// <summary>The HTTP API in process: bad input is a 400 with a message, and a script can run plans end to end.</summary>
public sealed class LabApiTests(Xunit.Abstractions.ITestOutputHelper output) : IAsyncLifetime
{
    private readonly TempDirectory dir = new();
    private WebApplicationFactory<Program> factory = null!;
    private LabApiClient api = null!;
    private string model = null!;
    private string token = null!;

    public async Task InitializeAsync()
    {
        string root = Path.Combine(dir.Path, "models");
        model = LabModelFixture.Write(Path.Combine(root, "lab-model"));
        factory = Factory();
        token = await TestAccounts.TokenAsync(factory.Services, "tester", LabRole.Researcher);
        api = new LabApiClient(factory.CreateClient(), token);
    }

    private WebApplicationFactory<Program> Factory()
    {
        string root = Path.Combine(dir.Path, "models");
        return new WebApplicationFactory<Program>().WithWebHostBuilder(b =>
        {
            b.UseSetting("Lab:ModelRoots:0", root);
            b.UseSetting("Lab:ModelRoots:1", root);
            b.UseSetting("Lab:DefaultModel", model);
            b.UseSetting("Lab:DataFolder", Path.Combine(dir.Path, "data"));
            b.UseSetting("Lab:AnalyzeDefaultModelOnStartup", "false");
            b.UseSetting("Lab:MaxUploadBytes", "4096");
            foreach (var (key, value) in TestAccounts.Settings())
            {
                b.UseSetting(key, value);
            }
        });
    }

    public async Task DisposeAsync()
    {
        await factory.DisposeAsync();
        dir.Dispose();
    }

    [Fact]
    public async Task Lists_the_models_with_the_default_marked()
    {
        var models = (await api.GetAsync("/api/models")).AsArray();
        var m = Assert.Single(models, x => (string?)x!["path"] == model)!;
        Assert.True((bool?)m["is_default"]);
        Assert.Equal(6, (int?)m["layers"]);
        Assert.EndsWith("tokenizer.json", (string?)m["tokenizer"]);
        var tasks = (await api.GetAsync("/api/models/tasks")).AsArray();
        Assert.Contains(tasks, t => (string?)t!["name"] == LabModelFixture.TaskName);
    }

    [Theory]
    [InlineData("/api/plans/validate", "{not json", "not valid JSON")]
    [InlineData("/api/plans/validate", "[1, 2]", "must be a JSON object")]
    [InlineData("/api/plans/validate", "{\"s\": 1, \"e\": 4, \"p\": 2}", "not a multiple of P")]
    [InlineData("/api/plans/validate", "{\"groups\": [[1, 2], [2, 3]]}", "overlaps")]
    [InlineData("/api/plans/validate", "{\"groups\": [[4, 5, 6, 7]]}", "out of range")]
    [InlineData("/api/plans/validate", "{\"schema\": \"cqil-lab/plan\", \"schema_version\": 9}", "schema_version 9")]
    [InlineData("/api/plans", "{\"s\": 1, \"e\": 3, \"p\": 2}", "a saved plan needs")]
    [InlineData("/api/jobs/analysis", "{\"model\": \"/etc\", \"source\": \"demo\"}", "refused")]
    [InlineData("/api/jobs/analysis", "{\"model\": \"../../etc/passwd\"}", "may not contain '..'")]
    [InlineData("/api/jobs/analysis", "{\"source\": \"demo\", \"samples\": 0}", "samples must be")]
    [InlineData("/api/jobs/analysis", "{\"source\": \"task\", \"task\": \"nope\"}", "task 'nope' is not available")]
    [InlineData("/api/jobs/analysis", "{\"samples\": \"many\"}", "not valid JSON for this request")]
    [InlineData("/api/runs", "{\"tasks\": []}", "needs at least one task")]
    [InlineData("/api/runs", "{\"tasks\": [\"colours\"], \"plans\": [{\"s\": 0, \"e\": 9, \"p\": 3}]}", "S=0, E=9")]
    [InlineData("/api/jobs/generation", "{\"prompt\": \"\"}", "prompt is empty")]
    [InlineData("/api/jobs/generation", "{\"prompt\": \"hi\", \"dtype\": \"f8\"}", "dtype 'f8': expected f32, bf16 or f16")]
    [InlineData("/api/runs", "{\"tasks\": [\"colours\"], \"dtype\": \"int4\"}", "dtype 'int4'")]
    public async Task Bad_input_is_a_400_with_a_message_and_the_server_keeps_serving(string path, string body, string message)
    {
        var (status, json) = await api.PostAsync(path, body);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains(message, (string?)json!["error"]);
        Assert.Equal(HttpStatusCode.OK, (await api.GetTextAsync("/api/models")).Status);
    }

    [Fact]
    public async Task An_oversized_upload_is_refused()
    {
        string text = new('a', 5000);
        var (status, json) = await api.PostAsync("/api/jobs/analysis", $"{{\"source\": \"text\", \"text\": \"{text}\", \"text_name\": \"big.txt\"}}");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("over the upload limit of 4,096 bytes", (string?)json!["error"]);
    }

    [Fact]
    public async Task A_job_running_at_a_normal_shutdown_comes_back_interrupted()
    {
        var started = await api.PostOkAsync("/api/jobs/latency", LongJobs.Latency);
        string id = (string)started["jobs"]![0]!["id"]!;
        await api.WaitForAsync(id, TimeSpan.FromSeconds(60), "running");
        await factory.DisposeAsync(); // the host stops: the queue stops the job and records why

        factory = Factory();
        api = new LabApiClient(factory.CreateClient(), token);
        var job = await api.GetAsync($"/api/jobs/{id}");
        Assert.Equal("interrupted", (string?)job["status"]);
        Assert.Contains("stopped while this job was running", (string?)job["error"]);
    }

    [Fact]
    public async Task Unknown_ids_are_404()
    {
        Assert.Equal(HttpStatusCode.NotFound, (await api.GetTextAsync($"/api/jobs/{Guid.NewGuid()}")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await api.GetTextAsync($"/api/plans/{Guid.NewGuid()}")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await api.GetTextAsync($"/api/runs/{Guid.NewGuid()}/results")).Status);
    }

    [Fact]
    public async Task A_script_saves_a_plan_runs_evaluation_and_latency_and_reads_the_results()
    {
        var validated = await api.PostOkAsync("/api/plans/validate", "{\"s\": 2, \"e\": 4, \"p\": 2}");
        Assert.Equal("S2-E4-P2-D0", (string?)validated["description"]);
        Assert.Equal(5, (int?)validated["sequential_depth"]);

        var plan = await api.PostOkAsync("/api/plans", "{\"name\": \"mid\", \"s\": 2, \"e\": 4, \"p\": 2}");
        string planId = (string)plan["id"]!;
        var exported = JsonNode.Parse((await api.GetTextAsync($"/api/plans/{planId}/export?format=lab")).Text)!;
        Assert.Equal("cqil-lab/plan", (string?)exported["schema"]);
        Assert.Equal("{\"cqil_layers\":[[2,3]],\"d\":0}", (await api.GetTextAsync($"/api/plans/{planId}/export?format=authors")).Text);

        var run = await api.PostOkAsync("/api/runs", $$$"""
            {"name": "api run", "plan_ids": ["{{{planId}}}"], "tasks": ["{{{LabModelFixture.TaskName}}}"], "limit": 12,
             "latency": {"repetitions": 2, "warmup": 0, "prompt_length": 8, "decode_tokens": 2, "threads": [1]} }
            """);
        var jobs = run["jobs"]!.AsArray();
        Assert.Equal(["evaluation", "latency"], jobs.Select(j => (string?)j!["kind"]));
        foreach (var job in jobs)
        {
            await api.WaitForAsync((string)job!["id"]!, TimeSpan.FromSeconds(120), "done");
        }

        var results = await api.GetAsync($"/api/runs/{run["run_id"]}/results");
        Assert.Equal("cqil-lab/run-results", (string?)results["schema"]);
        var rows = results["rows"]!.AsArray();
        Assert.Equal(["baseline", "mid"], rows.Select(r => (string?)r!["label"]));
        Assert.Equal(12, (int?)rows[1]!["scores"]![0]!["n"]);
        Assert.NotNull(rows[1]!["scores"]![0]!["mcnemar_p"]);
        Assert.Equal("fused", (string?)rows[1]!["latency"]![0]!["mode"]);
        Assert.Equal("baseline", (string?)rows[0]!["latency"]![0]!["mode"]);
        var csv = (await api.GetTextAsync($"/api/runs/{run["run_id"]}/results?format=csv")).Text.TrimEnd().Split('\n');
        Assert.Equal(3, csv.Length);

        var evaluation = await api.GetAsync($"/api/jobs/{jobs[0]!["id"]}/result");
        Assert.Equal("cqil-lab/evaluation-job", (string?)evaluation["schema"]);
    }

    [Fact]
    public async Task A_run_in_bf16_computes_in_bf16_and_says_so()
    {
        var run = await api.PostOkAsync("/api/runs", $$$"""
            {"name": "bf16 run", "tasks": ["{{{LabModelFixture.TaskName}}}"], "limit": 4, "latency": null, "dtype": "bfloat16"}
            """);
        var job = run["jobs"]![0]!;
        Assert.EndsWith("(bf16)", (string?)job["title"]);
        await api.WaitForAsync((string)job["id"]!, TimeSpan.FromSeconds(120), "done");
        var result = await api.GetAsync($"/api/jobs/{job["id"]}/result");
        Assert.Equal("bf16", (string?)result["dtype"]);
        var summary = await api.GetAsync($"/api/runs/{run["run_id"]}/results");
        Assert.Equal(["bf16"], summary["dtypes"]!.AsArray().Select(d => (string?)d));
    }

    [Fact]
    public async Task A_few_shot_run_records_its_examples_count_and_seed_and_scores_the_longer_prompts()
    {
        var plan = await api.PostOkAsync("/api/plans", "{\"name\": \"shots\", \"s\": 2, \"e\": 4, \"p\": 2}");
        async Task<JsonNode> Evaluate(int shots)
        {
            var run = await api.PostOkAsync("/api/runs", $$$"""
                {"name": "shots {{{shots}}}", "plan_ids": ["{{{plan["id"]}}}"], "tasks": ["{{{LabModelFixture.TaskName}}}"], "limit": 6, "num_fewshot": {{{shots}}}, "latency": null}
                """);
            string id = (string)run["jobs"]![0]!["id"]!;
            await api.WaitForAsync(id, TimeSpan.FromSeconds(120), "done");
            return await api.GetAsync($"/api/jobs/{id}/result");
        }
        var zero = await Evaluate(0);
        var two = await Evaluate(2);
        Assert.Equal(0, (int?)zero["num_fewshot"]);
        Assert.Null(zero["fewshot_seed"]);
        Assert.Equal(2, (int?)two["num_fewshot"]);
        Assert.Equal(1234UL, (ulong?)two["fewshot_seed"]);
        // Same items, different prompts: the examples change every choice's log-likelihood.
        Assert.Equal(zero["item_indices"]!.ToJsonString(), two["item_indices"]!.ToJsonString());
        Assert.NotEqual(zero["entries"]![0]!.ToJsonString(), two["entries"]![0]!.ToJsonString());
    }

    [Fact]
    public async Task Cancelling_a_running_job_stops_it_within_seconds_and_keeps_the_partial_result()
    {
        var plan = await api.PostOkAsync("/api/plans/validate", "{\"s\": 0, \"e\": 6, \"p\": 3}");
        var run = await api.PostOkAsync("/api/jobs/latency", $$$"""
            {"plans": [{{{plan["plan"]!.ToJsonString()}}}], "latency": {"repetitions": 1000, "warmup": 0, "prompt_length": 64, "decode_tokens": 32, "threads": [1]} }
            """);
        string id = (string)run["jobs"]![0]!["id"]!;
        // Cancel once repetitions are being measured (the thread-count trials before them report progress of
        // their own, and a job stopped there has nothing to keep): at 0.5% of "measuring", ~5 rounds are done.
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            var status = await api.GetAsync($"/api/jobs/{id}");
            if (((string?)status["message"])?.StartsWith("measuring", StringComparison.Ordinal) == true && (double?)status["progress"] >= 0.005)
            {
                break;
            }
            await Task.Delay(100);
        }

        var clock = System.Diagnostics.Stopwatch.StartNew();
        await api.PostOkAsync($"/api/jobs/{id}/cancel", "{}");
        var job = await api.WaitForAsync(id, TimeSpan.FromSeconds(10), "cancelled");
        clock.Stop();

        output.WriteLine($"cancel request to status 'cancelled' (including polling every 100 ms): {clock.Elapsed.TotalMilliseconds:F0} ms");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), $"cancel took {clock.Elapsed.TotalSeconds:F1} s");
        Assert.True((bool?)job["partial"]);
        var result = await api.GetAsync($"/api/jobs/{id}/result");
        Assert.True((bool?)result["report"]!["partial"]);
        Assert.InRange((int)result["report"]!["baseline"]!["prefill"]!["count"]!, 2, 999);
        Assert.Equal(HttpStatusCode.Conflict, (await api.PostAsync($"/api/jobs/{id}/cancel", "{}")).Status);
    }
}
