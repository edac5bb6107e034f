using Cqil.Lab.Core.Checkpoints;
using Cqil.Lab.Core.Demo;
using Cqil.Lab.Tests.Fixtures;

namespace Cqil.Lab.Tests.Demo;

public sealed class DemoModelLocatorTests
{
    private static (int Code, string Out, string Err) Run(params string[] args) => CliRun.Run(args);

    [Fact]
    public void Finds_models_demo_above_a_nested_folder_and_nothing_elsewhere()
    {
        using var repo = new TempDirectory();
        string demo = Directory.CreateDirectory(Path.Combine(repo.Path, "models", "demo")).FullName;
        File.WriteAllText(Path.Combine(demo, "config.json"), "{}");
        string nested = Directory.CreateDirectory(Path.Combine(repo.Path, "src", "deep", "er")).FullName;
        Assert.Equal(demo, DemoModelLocator.Find(nested));
        using var empty = new TempDirectory();
        Assert.Null(DemoModelLocator.Find(empty.Path));
        var e = Assert.Throws<global::Cqil.Lab.Core.InvalidInputException>(() => DemoModelLocator.Require(empty.Path));
        Assert.Contains("--model", e.Message);
    }

    [DemoModelFact]
    public void The_test_binaries_find_the_demo_by_default()
    {
        Assert.NotNull(DemoModelLocator.Find());
    }

    [DemoModelFact]
    public void Generate_without_model_uses_the_demo_model()
    {
        var item = (Core.Evaluation.MultipleChoiceItem)new DemoFolder(DemoModelLocator.Find()!).ReadTasks()[StoryTask.WhoHas].Items[0];
        var (code, output, error) = Run("generate", "--prompt", item.Requests[0].Context, "--max-new-tokens", "1", "--json");
        Assert.True(code == 0, error);
        using var json = System.Text.Json.JsonDocument.Parse(output);
        // The text is the prompt and the one new token: a word of the demo language follows the prompt.
        string text = json.RootElement.GetProperty("text").GetString()!;
        string context = item.Requests[0].Context;
        Assert.StartsWith(context, text);
        Assert.Contains(text[context.Length..].Trim(), StoryLexicon.AllWords());
    }

    [DemoModelFact]
    public void Analyze_without_model_or_data_analyses_the_demo_held_out_text()
    {
        var (code, output, error) = Run("analyze", "--samples", "2", "--seq-len", "32", "--no-cache");
        Assert.True(code == 0, error);
        Assert.Contains("demo", output);
        Assert.Contains("heldout.txt", output);
    }
}
