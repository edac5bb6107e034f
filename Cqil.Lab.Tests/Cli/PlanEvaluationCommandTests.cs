using System.Text.Json;
using Cqil.Lab.Cli;
using Cqil.Lab.Tests.Fixtures;

namespace Cqil.Lab.Tests.Cli;

/// <summary>`cqil eval` and `cqil fidelity` under a CQIL plan.</summary>
public sealed class PlanEvaluationCommandTests : IDisposable
{
    private readonly TempDirectory dir = new();

    public void Dispose() => dir.Dispose();

    private static (int Code, string Out, string Err) Run(params string[] args) => CliRun.Run(args);

    private string Plan(string groups)
    {
        string file = dir.File($"plan-{groups.Replace(',', '_')}.json");
        Assert.Equal(0, Run("plan", "create", "--model", SharedData.Stories260K, "--groups", groups, "--out", file).Code);
        return file;
    }

    [SharedDataFact("data/stories260K/stories260K.bin", "data/piqa/valid.jsonl")]
    public void Eval_under_a_plan_records_the_plan_and_mode_in_the_result()
    {
        string plan = Plan("1-3");
        string result = dir.File("r.json");
        var (code, _, error) = Run("eval", "--model", SharedData.Stories260K, "--task", "piqa", "--data", SharedData.Path("data/piqa/valid.jsonl"),
            "--limit", "12", "--plan", plan, "--mode", "fused", "--quiet", "--out", result);
        Assert.True(code == 0, error);
        string json = File.ReadAllText(result);
        Assert.Contains("fused", json);
        Assert.Contains(Path.GetFileName(plan), json);
        using var doc = JsonDocument.Parse(json);
        Assert.NotNull(doc.RootElement.ToString());
    }

    [SharedDataFact("data/stories260K/stories260K.bin", "data/tinystories/tinystories_sample.txt")]
    public void Fidelity_of_a_plan_is_below_perfect_and_of_a_singleton_plan_is_perfect()
    {
        string text = SharedData.Path("data/tinystories/tinystories_sample.txt");
        var grouped = Run("fidelity", "--model", SharedData.Stories260K, "--plan", Plan("1-3"), "--data", text, "--seq-len", "64", "--windows", "4");
        Assert.True(grouped.Code == 0, grouped.Err);
        Assert.Contains("top-1 agreement", grouped.Out);
        Assert.DoesNotContain("top-1 agreement 100.00 %", grouped.Out);

        string singletons = dir.File("baseline.json");
        Assert.Equal(0, Run("plan", "create", "--layers", "5", "--groups", "0-0", "--out", singletons).Code);
        var same = Run("fidelity", "--model", SharedData.Stories260K, "--plan", singletons, "--mode", "reference", "--data", text, "--seq-len", "64", "--windows", "4");
        Assert.True(same.Code == 0, same.Err);
        Assert.Contains("top-1 agreement 100.00 %", same.Out);
        Assert.Contains("KL(baseline‖plan) mean 0.00000", same.Out);
    }
}
