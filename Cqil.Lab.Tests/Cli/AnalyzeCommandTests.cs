using Cqil.Lab.Cli;
using Cqil.Lab.Core.Analysis;
using Cqil.Lab.Core.Cqil;
using Cqil.Lab.Tests.Fixtures;

namespace Cqil.Lab.Tests.Cli;

public sealed class AnalyzeCommandTests : IDisposable
{
    private readonly TempDirectory dir = new();

    public void Dispose() => dir.Dispose();

    private static (int Code, string Out, string Err) Run(params string[] args) => CliRun.Run(args);

    private string[] AnalyzeArgs(string outFile) =>
    [
        "analyze", "--model", SharedData.Stories260K, "--data", SharedData.Path("data/tinystories/tinystories_sample.txt"),
        "--samples", "6", "--seq-len", "48", "--cache-dir", dir.File("cache"), "--out", outFile,
    ];

    [SharedDataFact("data/stories260K/stories260K.bin", "data/tinystories/tinystories_sample.txt")]
    public void Analyze_writes_all_metrics_and_a_second_run_is_served_from_the_cache()
    {
        string first = dir.File("a.json");
        var run1 = Run(AnalyzeArgs(first));
        Assert.True(run1.Code == 0, run1.Err);
        Assert.Contains("cosine of layer inputs", run1.Out);
        var result = LayerSimilarityAnalysis.Parse(File.ReadAllText(first), first);
        Assert.Equal(5, result.Layers);
        Assert.Equal("stories260K", result.Model.Name);
        Assert.Equal(48, result.Data.SequenceLength);
        Assert.Equal("prepended, excluded from statistics", result.Settings.Bos);

        string second = dir.File("b.json");
        var run2 = Run(AnalyzeArgs(second));
        Assert.True(run2.Code == 0, run2.Err);
        Assert.Contains("(cached analysis", run2.Err);
        Assert.Equal(File.ReadAllText(first), File.ReadAllText(second));
    }

    [SharedDataFact("data/stories260K/stories260K.bin", "data/tinystories/tinystories_sample.txt")]
    public void Suggest_reads_an_analysis_and_writes_a_valid_plan_with_its_explanation()
    {
        string analysis = dir.File("a.json");
        Assert.Equal(0, Run(AnalyzeArgs(analysis)).Code);
        string plan = dir.File("plan.json");

        var (code, output, error) = Run("suggest", "--analysis", analysis, "--depth", "3", "--max-group", "2", "--rank-p", "2", "--out", plan);

        Assert.True(code == 0, error);
        Assert.Contains("suggested: ", output);
        Assert.Contains("sequential depth 3 of 5", output);
        Assert.Contains("S/E/P plans for P=2", output);
        var doc = PlanDocument.Parse(File.ReadAllText(plan), plan);
        Assert.Equal(3, doc.Plan.SequentialDepth);
        Assert.Equal(0, Run("plan", "validate", plan, "--model", SharedData.Stories260K).Code);
    }

    [Theory]
    [InlineData(new[] { "suggest", "--depth", "3" }, "give --analysis FILE")]
    [InlineData(new[] { "analyze", "--model", "m.bin" }, "give --data FILE")]
    public void Missing_inputs_exit_with_code_2(string[] args, string expected)
    {
        var (code, _, error) = Run(args);
        Assert.Equal(2, code);
        Assert.Contains(expected, error);
    }

    [Fact]
    public void Corrupt_analysis_file_is_named()
    {
        string bad = dir.File("bad.json");
        File.WriteAllText(bad, "{ nope");
        var (code, _, error) = Run("suggest", "--analysis", bad, "--depth", "2");
        Assert.Equal(2, code);
        Assert.Contains(bad, error);
    }
}
