using System.Text.Json.Nodes;
using Cqil.Lab.Core.Cqil;
using Cqil.Lab.Tests.Fixtures;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace Cqil.Lab.Tests.E2E;

/// <summary>A browser test: Debian's chromium driven by Playwright; skipped where chromium is absent unless CQIL_REQUIRE_BROWSER=1 (CI).</summary>
public sealed class BrowserFactAttribute : FactAttribute
{
    public const string Chromium = "/usr/bin/chromium";

    public BrowserFactAttribute()
    {
        if (!File.Exists(Chromium) && Environment.GetEnvironmentVariable("CQIL_REQUIRE_BROWSER") != "1")
        {
            Skip = $"needs {Chromium} (apt-get install chromium; .ci/run installs it and sets CQIL_REQUIRE_BROWSER=1)";
        }
    }
}

/// <summary>
/// The researcher's path through the lab in a real browser, on the demo model when models/demo exists and on a
/// small fixture model laid out the same way otherwise: open the lab and see the first heatmap, run an analysis,
/// build and save a P=2 plan over the middle layers, run evaluation and latency, read both in the results beside
/// the baseline, export the JSON and check it against its schema, and generate side by side in the playground.
/// Screenshots go to TestResults/screenshots.
/// </summary>
[Collection(SerialCollection.Name)]
public sealed class BrowserTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory dir = new();
    private readonly string screenshots = Path.Combine(SharedData.RepositoryRoot() ?? ".", "TestResults", "screenshots");

    public void Dispose() => dir.Dispose();

    private async Task Shot(IPage page, string name)
    {
        Directory.CreateDirectory(screenshots);
        string path = Path.Combine(screenshots, name + ".png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        output.WriteLine($"screenshot: {path}");
    }

    private static async Task WaitInteractive(IPage page) =>
        await page.WaitForSelectorAsync("[data-testid=interactive]", new PageWaitForSelectorOptions { State = WaitForSelectorState.Attached, Timeout = 60_000 });

    private static async Task Navigate(IPage page, string href, string ready)
    {
        // In-app navigation keeps the circuit (and the plan being edited), as a user clicking the menu does.
        await page.ClickAsync($"a[href='{href}']");
        await page.WaitForSelectorAsync(ready, new PageWaitForSelectorOptions { Timeout = 30_000 });
    }

    private static async Task Fill(IPage page, string testId, string value)
    {
        var input = page.Locator($"[data-testid={testId}]");
        await input.FillAsync(value);
        await input.PressAsync("Tab"); // @bind updates on change
    }

    [BrowserFact]
    public async Task A_researcher_analyses_builds_a_plan_runs_it_reads_the_results_and_generates_side_by_side()
    {
        string? demo = LabModelFixture.DemoModel();
        var settings = new Dictionary<string, string> { ["Lab:DataFolder"] = Path.Combine(dir.Path, "data") };
        int layers;
        if (demo is not null)
        {
            output.WriteLine($"model: the demo model at {demo}");
            layers = Core.Checkpoints.CheckpointLoader.ReadConfig(demo).NumLayers;
        }
        else
        {
            string root = Path.Combine(dir.Path, "models");
            string fixture = LabModelFixture.Write(Path.Combine(root, "fixture-demo"), layers: 12, items: 60);
            settings["Lab:ModelRoots:0"] = root;
            settings["Lab:ModelRoots:1"] = root;
            settings["Lab:DefaultModel"] = fixture;
            output.WriteLine($"model: models/demo is not there yet; using a 12-layer fixture model at {fixture}");
            layers = 12;
        }
        Console.WriteLine($"browser test model: {demo ?? "fixture (models/demo absent)"}");

        using var server = await LabServer.StartAsync(settings);
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = BrowserFactAttribute.Chromium,
            Headless = true,
            Args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 1000 }, AcceptDownloads = true });
        var page = await context.NewPageAsync();
        var api = new LabApiClient(new HttpClient { BaseAddress = new Uri(server.Url) });
        try
        {
            // 1. A newcomer opens the lab: the default model's first analysis runs by itself and its heatmap appears.
            await page.GotoAsync(server.Url + "/");
            await WaitInteractive(page);
            await page.WaitForSelectorAsync("[data-testid=heatmap] .main-svg", new PageWaitForSelectorOptions { Timeout = 180_000 });
            await Shot(page, "01-first-heatmap");

            // 2. Run an analysis by hand (small), see it finish and switch the metric.
            await Fill(page, "analysis-samples", "8");
            await Fill(page, "analysis-seqlen", "64");
            await page.ClickAsync("[data-testid=start-analysis]");
            await page.WaitForFunctionAsync("() => document.querySelectorAll('[data-testid=analysis-picker] option').length >= 2", null, new PageWaitForFunctionOptions { Timeout = 180_000 });
            await page.SelectOptionAsync("[data-testid=metric]", "angular-distance");
            await page.WaitForSelectorAsync("[data-testid=heatmap] .gtitle >> text=angular-distance", new PageWaitForSelectorOptions { Timeout = 30_000 });
            Assert.True(await page.Locator("[data-testid=block-influence] .main-svg").CountAsync() > 0);
            await Shot(page, "02-analysis-angular");

            // An oversized upload is refused with a message; the page keeps working.
            await page.SelectOptionAsync("[data-testid=analysis-source]", "text");
            string big = Path.Combine(dir.Path, "big.txt");
            await File.WriteAllTextAsync(big, new string('a', 3 * 1024 * 1024));
            await page.Locator("[data-testid=analysis-upload]").SetInputFilesAsync(big);
            await page.WaitForSelectorAsync("[data-testid=analysis-error] >> text=over the upload limit");
            await page.SelectOptionAsync("[data-testid=analysis-source]", "demo");

            // 3. Configure: P=2 over the middle third, saved by name; the lab JSON follows its schema.
            await Navigate(page, "/configure", "[data-testid=group-editor]");
            // A click on the heatmap cell (row 1, column 2) groups layers 1–2.
            await page.WaitForSelectorAsync("[data-testid=heatmap][data-clickable=true]", new PageWaitForSelectorOptions { State = WaitForSelectorState.Attached, Timeout = 30_000 });
            var area = (await page.WaitForSelectorAsync("[data-testid=heatmap] .nsewdrag"))!;
            var box = (await area.BoundingBoxAsync())!;
            await page.Mouse.ClickAsync(box.X + 2.5f * box.Width / layers, box.Y + 1.5f * box.Height / layers);
            await page.WaitForFunctionAsync("() => document.querySelector('[data-testid=groups-text]').value === '1-2'", null, new PageWaitForFunctionOptions { Timeout = 10_000 });
            await page.ClickAsync("[data-testid=middle-third]");
            int s = layers / 3, e = layers - layers / 3;
            if ((e - s) % 2 != 0)
            {
                e--;
            }
            string expected = $"S{s}-E{e}-P2-D0";
            await page.WaitForSelectorAsync($"[data-testid=plan-description] >> text={expected}");
            Assert.Equal((layers - (e - s) / 2).ToString(), await page.InnerTextAsync("[data-testid=plan-depth]"));
            await page.Locator("[data-testid=plan-name]").FillAsync("mid-p2");
            await page.ClickAsync("[data-testid=save-plan]");
            await page.WaitForSelectorAsync("[data-testid=saved-plan-name] >> text=mid-p2");
            var planJson = await page.InnerTextAsync("[data-testid=export-lab]");
            CheckPlanSchema(planJson, layers, s, e);
            await page.WaitForSelectorAsync("[data-testid=heatmap] .main-svg");
            await Shot(page, "03-configure-p2");

            // 4. Run: evaluation and latency of the plan beside the baseline, small and quick.
            await Navigate(page, "/run", "[data-testid=start-run]");
            Assert.True(await page.IsCheckedAsync("[data-testid=run-plan][data-plan=mid-p2]"));
            Assert.True(await page.Locator("[data-testid=run-task]:checked").CountAsync() >= 1);
            await Fill(page, "run-name", "browser run");
            await Fill(page, "run-limit", "24");
            await Fill(page, "run-fewshot", "1");
            await Fill(page, "lat-prompt", "16");
            await Fill(page, "lat-decode", "8");
            await Fill(page, "lat-warmup", "1");
            await Fill(page, "lat-reps", "3");
            await Fill(page, "lat-threads", "1");
            await page.ClickAsync("[data-testid=start-run]");
            await page.WaitForSelectorAsync("[data-testid=job-list] >> text=latency of mid-p2");
            await Shot(page, "04-run-queue");
            var runs = (await api.GetAsync("/api/runs")).AsArray();
            string runId = (string)runs.First(r => (string?)r!["name"] == "browser run")!["id"]!;
            foreach (var job in (await api.GetAsync($"/api/jobs?run={runId}")).AsArray())
            {
                await api.WaitForAsync((string)job!["id"]!, TimeSpan.FromSeconds(300), "done");
                if ((string?)job["kind"] == "evaluation")
                {
                    // The page's few-shot field reached the job: one solved example in front of every item.
                    Assert.Equal(1, (int?)(await api.GetAsync($"/api/jobs/{job["id"]}/result"))["num_fewshot"]);
                }
            }

            // 5. Results: baseline and plan side by side, both kinds of result, exported and checked.
            await Navigate(page, "/results", "[data-testid=results-view]");
            await page.WaitForSelectorAsync("[data-testid=results-row][data-system=mid-p2] [data-testid=mode-badge] >> text=fused", new PageWaitForSelectorOptions { Timeout = 30_000 });
            await page.WaitForSelectorAsync("[data-testid=results-row][data-system=baseline] [data-testid=mode-badge] >> text=baseline");
            Assert.Contains("p=", await page.InnerTextAsync("[data-testid=results-row][data-system=mid-p2] [data-testid=comparison]"));
            await page.WaitForSelectorAsync("[data-testid=pareto-chart] .main-svg");
            await Shot(page, "05-results");
            // The latency study: how the numbers were obtained, and the projection the Run page asked for by default.
            await page.ClickAsync("[data-testid=latency-study-panel] summary");
            await page.WaitForSelectorAsync("[data-testid=study-runner][data-mode=fused]");
            Assert.Equal(["fused, this machine", "fused, this machine"], (await page.Locator("[data-testid=projection-row]").EvaluateAllAsync<string[]>(
                "rows => rows.map(r => r.dataset.setting).filter(s => s.includes('this machine'))")));
            Assert.True(await page.Locator("[data-testid=projection-row][data-setting*=nvlink]").CountAsync() >= 1);
            await Shot(page, "05b-latency-study");
            var download = await page.RunAndWaitForDownloadAsync(() => page.ClickAsync("[data-testid=export-results-json]"));
            string exported = await File.ReadAllTextAsync((await download.PathAsync())!);
            CheckResultsSchema(exported);

            // 6. Playground: the same prompt through the baseline and the plan, side by side.
            await Navigate(page, "/playground", "[data-testid=generate]");
            await page.Locator("[data-testid=playground-prompt]").FillAsync("Ann has a red ball.");
            await Fill(page, "playground-tokens", "24");
            await page.ClickAsync("[data-testid=generate]");
            await page.WaitForSelectorAsync("[data-testid=pane-baseline] [data-token]", new PageWaitForSelectorOptions { Timeout = 60_000 });
            await page.WaitForSelectorAsync("[data-testid=divergence]", new PageWaitForSelectorOptions { Timeout = 120_000 });
            Assert.Contains("tokens/s", await page.InnerTextAsync("[data-testid=tps-baseline]"));
            Assert.Contains("tokens/s", await page.InnerTextAsync("[data-testid=tps-plan]"));
            Assert.True(await page.Locator("[data-testid=pane-plan] [data-token]").CountAsync() > 0);
            await Shot(page, "06-playground");
            output.WriteLine(await page.InnerTextAsync("[data-testid=divergence]"));
        }
        catch
        {
            await Shot(page, "failure");
            output.WriteLine(server.Log);
            throw;
        }
    }

    /// <summary>The lab plan format, cqil-lab/plan v1: required fields and types, and the lab's own reader accepts it.</summary>
    private static void CheckPlanSchema(string json, int layers, int s, int e)
    {
        var root = JsonNode.Parse(json)!.AsObject();
        Assert.Equal("cqil-lab/plan", (string?)root["schema"]);
        Assert.Equal(1, (int?)root["schema_version"]);
        Assert.Equal("mid-p2", (string?)root["name"]);
        Assert.Equal(layers, (int?)root["model"]!["layer_count"]);
        Assert.False(string.IsNullOrEmpty((string?)root["model"]!["fingerprint"]));
        var groups = root["groups"]!.AsArray();
        Assert.Equal(layers, groups.Sum(g => g!.AsArray().Count));
        Assert.Equal(0, (int?)root["bypass"]!["distance"]);
        Assert.Contains((string?)root["bypass"]!["mode"], new[] { "ffn-input", "residual" });
        Assert.IsType<JsonArray>(root["group_bypass"]);
        Assert.Equal(layers - (e - s) / 2, (int?)root["derived"]!["sequential_depth"]);
        var doc = PlanDocument.Parse(json, "exported plan");
        Assert.Equal($"S{s}-E{e}-P2-D0", doc.Plan.Describe());
    }

    /// <summary>The run results export, cqil-lab/run-results v1: the baseline and the plan, with scores and latency.</summary>
    private static void CheckResultsSchema(string json)
    {
        var root = JsonNode.Parse(json)!.AsObject();
        Assert.Equal("cqil-lab/run-results", (string?)root["schema"]);
        Assert.Equal(1, (int?)root["schema_version"]);
        Assert.Equal("browser run", (string?)root["name"]);
        var rows = root["rows"]!.AsArray();
        Assert.Equal(["baseline", "mid-p2"], rows.Select(r => (string?)r!["label"]));
        foreach (var row in rows.Select(r => r!))
        {
            var score = row["scores"]![0]!;
            Assert.InRange((double)score["value"]!, 0, 1);
            Assert.Equal(24, (int?)score["n"]);
            Assert.NotNull(row["latency"]![0]!["decode_p50"]);
        }
        Assert.NotNull(rows[1]!["scores"]![0]!["mcnemar_p"]);
        Assert.NotNull(rows[1]!["fidelity"]!["top1_agreement"]);
        // Where the latencies came from: one machine line naming the cores, libtorch and MKL's kernels.
        var machine = (string?)root["latency_measured_on"]!.AsArray().Single();
        Assert.Contains("cores; libtorch", machine);
        Core.Jobs.RunSummary.Parse(json);
    }
}
