using Bunit;
using Cqil.Lab.Tests.Fixtures;
using Cqil.Lab.Web.Components.Pages;
using Cqil.Lab.Web.Components.Shared;
using Cqil.Lab.Web.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Cqil.Lab.Tests.Web;

public sealed class ModelsPageTests : LabBunitContext
{
    private readonly TempDirectory root;

    public ModelsPageTests()
    {
        root = Own(new TempDirectory());
        var spec = new TinyLlamaSpec();
        string good = Path.Combine(root.Path, "tiny-good");
        HfFixture.WriteFolder(good, spec, HfFixture.RandomTensors(spec, 1));
        File.WriteAllText(Path.Combine(good, "tokenizer.json"), "{\"model\":{\"type\":\"BPE\",\"vocab\":{\"a\":0},\"merges\":[]}}");
        string broken = Path.Combine(root.Path, "tiny-broken");
        Directory.CreateDirectory(broken);
        File.WriteAllText(Path.Combine(broken, "config.json"), "{ not json");

        var options = Options.Create(new LabOptions { ModelRoots = [root.Path, Path.Combine(root.Path, "absent")], DefaultModel = null });
        var environment = new FakeEnvironment(root.Path);
        var catalog = new ModelCatalogService(options, environment);
        Services.AddSingleton(catalog);
        Services.AddSingleton(new LabModels(catalog, new LabPaths(options, environment)));
    }

    [Fact]
    public void Lists_models_with_their_architecture_and_shows_broken_ones_with_their_error()
    {
        var page = Render<Models>();

        var table = page.Find("[data-testid=model-table]");
        Assert.Contains("tiny-good", table.TextContent);
        Assert.Contains("huggingface", table.TextContent);
        Assert.Contains("tokenizer.json", table.TextContent);
        var error = page.Find("[data-testid=model-error]");
        Assert.Contains("not valid JSON", error.TextContent);
        Assert.Contains("Configured model folder not found", page.Markup);
    }

    [Fact]
    public void Rescan_picks_up_a_model_added_later()
    {
        var page = Render<Models>();
        Assert.DoesNotContain("tiny-late", page.Markup);

        var spec = new TinyLlamaSpec { Layers = 2 };
        HfFixture.WriteFolder(Path.Combine(root.Path, "tiny-late"), spec, HfFixture.RandomTensors(spec, 2));
        page.Find("[data-testid=refresh-models]").Click();

        Assert.Contains("tiny-late", page.Markup);
    }

    [Fact]
    public void The_model_picker_sets_the_dtype_the_tabs_new_jobs_use()
    {
        Services.AddScoped<LabSession>();
        var picker = Render<ModelPicker>();
        var session = Services.GetRequiredService<LabSession>();
        Assert.Equal("f32", session.Dtype);
        Assert.Equal(["f32", "bf16", "f16"], picker.FindAll("[data-testid=dtype-picker] option").Select(o => o.GetAttribute("value")));

        picker.Find("[data-testid=dtype-picker]").Change("bf16");

        Assert.Equal("bf16", session.Dtype);
        Assert.Equal("bf16", picker.Find("[data-testid=dtype-picker]").GetAttribute("value"));
    }

    private sealed class FakeEnvironment(string root) : IHostEnvironment
    {
        public string EnvironmentName { get; set; } = "Test";
        public string ApplicationName { get; set; } = "Cqil.Lab.Web";
        public string ContentRootPath { get; set; } = root;
        public Microsoft.Extensions.FileProviders.IFileProvider ContentRootFileProvider { get; set; } = null!;
    }
}
