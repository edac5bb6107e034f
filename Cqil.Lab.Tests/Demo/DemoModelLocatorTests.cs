using Cqil.Lab.Cli;
using Cqil.Lab.Core.Checkpoints;
using Cqil.Lab.Core.Demo;
using Cqil.Lab.Tests.Fixtures;

namespace Cqil.Lab.Tests.Demo;

public sealed class DemoModelLocatorTests
{
    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = CqilCommandLine.Run(args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    [Fact]
    public void Finds_models_demo_above_a_nested_folder_and_nothing_elsewhere()
    {
        string repo = SharedData.RepositoryRoot()!;
        Assert.Equal(Path.Combine(repo, "models", "demo"), DemoModelLocator.Find(Path.Combine(repo, "Cqil.Lab.Core", "Demo")));
        using var empty = new TempDirectory();
        Assert.Null(DemoModelLocator.Find(empty.Path));
        var e = Assert.Throws<global::Cqil.Lab.Core.InvalidInputException>(() => DemoModelLocator.Require(empty.Path));
        Assert.Contains("--model", e.Message);
    }

    [Fact]
    public void The_test_binaries_find_the_demo_by_default()
    {
        Assert.NotNull(DemoModelLocator.Find());
    }

    [Fact]
    public void Generate_without_model_uses_the_demo_model()
    {
        var item = (Core.Evaluation.MultipleChoiceItem)new DemoFolder(DemoModelLocator.Find()!).ReadTasks()[StoryTask.WhoHas].Items[0];
        var (code, output, error) = Run("generate", "--prompt", item.Requests[0].Context, "--max-new-tokens", "1", "--json");
        Assert.True(code == 0, error);
        using var json = System.Text.Json.JsonDocument.Parse(output);
        string answer = json.RootElement.GetProperty("text").GetString()!;
        Assert.Contains(answer, StoryLexicon.AllWords());
    }

    [Fact]
    public void Analyze_without_model_or_data_analyses_the_demo_held_out_text()
    {
        var (code, output, error) = Run("analyze", "--samples", "2", "--seq-len", "32", "--no-cache");
        Assert.True(code == 0, error);
        Assert.Contains("demo", output);
        Assert.Contains("heldout.txt", output);
    }

    [Fact]
    public void The_web_lab_without_configured_roots_lists_the_demo_model()
    {
        string repo = SharedData.RepositoryRoot()!;
        var options = Microsoft.Extensions.Options.Options.Create(new global::Cqil.Lab.Web.Hosting.LabOptions { ModelRoots = [] });
        var catalog = new global::Cqil.Lab.Web.Hosting.ModelCatalogService(options, new ContentRoot(Path.Combine(repo, "Cqil.Lab.Web")));
        Assert.Equal([Path.Combine(repo, "models", "demo")], catalog.Roots);
        Assert.True(catalog.Models.Single().IsUsable);
    }

    [Fact]
    public void The_web_lab_roots_list_the_demo_model()
    {
        string repo = SharedData.RepositoryRoot()!;
        using var settings = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(repo, "Cqil.Lab.Web", "appsettings.json")));
        var roots = settings.RootElement.GetProperty("Lab").GetProperty("ModelRoots").EnumerateArray()
            .Select(r => Path.GetFullPath(Path.Combine(repo, "Cqil.Lab.Web", r.GetString()!)));
        var demo = ModelCatalog.Scan(roots).Single(m => m.Name == "demo");
        Assert.Null(demo.Error);
        Assert.Equal("huggingface", demo.Format);
    }

    private sealed class ContentRoot(string path) : Microsoft.Extensions.Hosting.IHostEnvironment
    {
        public string EnvironmentName { get; set; } = "Test";
        public string ApplicationName { get; set; } = "Cqil.Lab.Web";
        public string ContentRootPath { get; set; } = path;
        public Microsoft.Extensions.FileProviders.IFileProvider ContentRootFileProvider { get; set; } = null!;
    }
}
