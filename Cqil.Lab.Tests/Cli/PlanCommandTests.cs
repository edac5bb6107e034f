using Cqil.Lab.Cli;
using Cqil.Lab.Core.Cqil;
using Cqil.Lab.Tests.Fixtures;

namespace Cqil.Lab.Tests.Cli;

public sealed class PlanCommandTests : IDisposable
{
    private readonly TempDirectory dir = new();

    public void Dispose() => dir.Dispose();

    private static (int Code, string Out, string Err) Run(params string[] args) => CliRun.Run(args);

    [Fact]
    public void Create_from_sep_prints_depth_and_ideal_reduction_and_writes_a_lab_file()
    {
        string file = dir.File("p2.json");
        var (code, output, error) = Run("plan", "create", "--layers", "32", "--s", "12", "--e", "30", "--p", "2", "--name", "p2", "--out", file);

        Assert.True(code == 0, error);
        Assert.Contains("sequential depth: 23; ideal reduction of layer time: 28.1 %", output);
        var doc = PlanDocument.Parse(File.ReadAllText(file), file);
        Assert.Equal((12, 30, 2), doc.Plan.AsSep());
        Assert.Equal("p2", doc.Name);
    }

    [Fact]
    public void Convert_between_lab_and_authors_forms_round_trips()
    {
        string authors = dir.File("authors.json");
        File.WriteAllText(authors, "{\"cqil_layers\": [[14,15,16,17],[18,19,20,21],[22,23,24,25],[26,27,28,29]], \"d\": 0}");
        string lab = dir.File("lab.json");

        var toLab = Run("plan", "convert", authors, "--to", "lab", "--layers", "32", "--out", lab);
        Assert.True(toLab.Code == 0, toLab.Err);
        Assert.Contains("ideal reduction of layer time: 37.5 %", toLab.Out);

        var back = Run("plan", "convert", lab, "--to", "authors");
        Assert.Equal(0, back.Code);
        Assert.Equal("{\"cqil_layers\":[[14,15,16,17],[18,19,20,21],[22,23,24,25],[26,27,28,29]],\"d\":0}", back.Out.Trim());
    }

    [Fact]
    public void Show_reads_an_authors_configuration_name()
    {
        var (code, output, _) = Run("plan", "show", "LLaMA-7B-S12-E30-P2-D0", "--layers", "32");
        Assert.Equal(0, code);
        Assert.Contains("groups: [12, 13] [14, 15]", output);
        Assert.Contains("sequential depth: 23", output);
    }

    [Theory]
    [InlineData(new[] { "plan", "create", "--layers", "32", "--s", "12", "--e", "31", "--p", "2" }, "E - S = 19 is not a multiple of P")]
    [InlineData(new[] { "plan", "create", "--layers", "8", "--groups", "2-3,3-4" }, "group [2, 3] overlaps group [3, 4] at layer 3")]
    [InlineData(new[] { "plan", "create", "--layers", "8", "--groups", "6-8" }, "out of range")]
    [InlineData(new[] { "plan", "show", "nonsense.json", "--layers", "8" }, "plan file not found")]
    [InlineData(new[] { "plan", "create", "--s", "1", "--e", "3", "--p", "2" }, "give --layers N or --model PATH")]
    public void Invalid_plans_exit_with_code_2_and_the_reason(string[] args, string expected)
    {
        var (code, _, error) = Run(args);
        Assert.Equal(2, code);
        Assert.Contains(expected, error);
    }

    [SharedDataFact("data/stories260K/stories260K.bin", "data/TinyStories-656K/config.json")]
    public void Validate_against_models_accepts_a_fit_and_rejects_a_wrong_layer_count()
    {
        string file = dir.File("plan.json");
        Assert.Equal(0, Run("plan", "create", "--model", SharedData.Stories260K, "--groups", "1-2", "--out", file).Code);

        var ok = Run("plan", "validate", file, "--model", SharedData.Stories260K);
        Assert.Equal(0, ok.Code);
        Assert.Contains("ok: S1-E3-P2-D0 fits stories260K", ok.Out);

        var wrong = Run("plan", "validate", file, "--model", SharedData.TinyStories656K);
        Assert.Equal(2, wrong.Code);
        Assert.Contains("the plan is for a 5-layer model but the model has 2 layers", wrong.Err);
    }

    [SharedDataFact("data/stories260K/stories260K.bin", "data/stories260K/tok512.bin")]
    public void Generate_runs_under_a_plan_in_every_mode_with_the_same_greedy_text()
    {
        string file = dir.File("plan.json");
        Run("plan", "create", "--model", SharedData.Stories260K, "--groups", "1-3", "--d", "1", "--out", file);
        var outputs = new[] { "reference", "fused", "concurrent" }
            .Select(mode => Run("generate", "--model", SharedData.Stories260K, "--plan", file, "--mode", mode, "--max-new-tokens", "24", "--json"))
            .ToArray();
        Assert.All(outputs, o => Assert.True(o.Code == 0, o.Err));
        Assert.Equal(outputs[0].Out, outputs[1].Out);
        Assert.Equal(outputs[0].Out, outputs[2].Out);
        var baseline = Run("generate", "--model", SharedData.Stories260K, "--max-new-tokens", "24", "--json");
        Assert.NotEqual(baseline.Out, outputs[0].Out); // grouping three of five layers changes this small model's text
    }
}
