using System.Text.Json;
using Cqil.Lab.Cli;
using Cqil.Lab.Core.Runtime;
using Cqil.Lab.Tests.Fixtures;

namespace Cqil.Lab.Tests.Cli;

public sealed class EvalCommandTests
{
    private const string Model = "data/stories260K/stories260K.bin";

    private static (int Code, string Out, string Err) Run(params string[] args) => CliRun.Run(args);

    [SharedDataFact(Model, "data/piqa/valid.jsonl")]
    public void Eval_writes_a_table_result_json_and_per_item_jsonl_and_compare_pairs_two_runs()
    {
        using var dir = new TempDirectory();
        var (code, output, error) = Run("eval", "--model", SharedData.Stories260K, "--task", "piqa", "--data", SharedData.Path("data/piqa/valid.jsonl"),
            "--limit", "12", "--out", dir.File("base.json"));
        Assert.True(code == 0, error);
        Assert.Contains("piqa: 12 of 1838 items", output);
        Assert.Contains("| acc | ", output);
        Assert.Contains("(wilson)", output);
        Assert.Contains("scored 24/24 requests", error);
        using (var doc = JsonDocument.Parse(File.ReadAllText(dir.File("base.json"))))
        {
            Assert.Equal("lm-eval-harness 0.4.1", doc.RootElement.GetProperty("semantics").GetString());
            Assert.Equal(dir.File("base.items.jsonl"), doc.RootElement.GetProperty("items_path").GetString());
        }
        Assert.Equal(12, File.ReadAllLines(dir.File("base.items.jsonl")).Length);

        var second = Run("eval", "--model", SharedData.Stories260K, "--task", "piqa", "--data", SharedData.Path("data/piqa/valid.jsonl"),
            "--limit", "12", "--independent", "--dtype", "bf16", "--out", dir.File("cand.json"), "--quiet");
        Assert.True(second.Code == 0, second.Err);
        // --quiet leaves only warnings: here at most bf16's, on a CPU without fast bf16 kernels (Bf16Performance).
        bool bf16Slow = Bf16Performance.SlowdownOverF32() > Bf16Performance.SlowFactor;
        var errLines = second.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal(bf16Slow ? 1 : 0, errLines.Length);
        Assert.All(errLines, line => Assert.StartsWith("warning: a 128x128 bf16 matrix product takes", line));

        var compare = Run("compare", "--baseline", dir.File("base.json"), "--candidate", dir.File("cand.json"));
        Assert.True(compare.Code == 0, compare.Err);
        Assert.Contains("12 paired items", compare.Out);
        Assert.Contains("| acc_norm |", compare.Out);
        var json = Run("compare", "--baseline", dir.File("base.json"), "--candidate", dir.File("cand.json"), "--json");
        using var cmp = JsonDocument.Parse(json.Out);
        Assert.Equal(12, cmp.RootElement.GetProperty("comparisons")[0].GetProperty("n").GetInt32());

        // A few-shot run is not paired with a zero-shot one: different prompts, not a different system.
        var shots = Run("eval", "--model", SharedData.Stories260K, "--task", "piqa", "--data", SharedData.Path("data/piqa/valid.jsonl"),
            "--limit", "12", "--num-fewshot", "1", "--out", dir.File("shot.json"), "--quiet");
        Assert.True(shots.Code == 0, shots.Err);
        Assert.Contains("1-shot (seed 1234)", shots.Out);
        var mismatch = Run("compare", "--baseline", dir.File("base.json"), "--candidate", dir.File("shot.json"));
        Assert.Equal(2, mismatch.Code);
        Assert.Contains("1-shot (seed 1234), but", mismatch.Err);
        Assert.Contains("pair runs with the same prompts", mismatch.Err);
    }

    [Fact]
    public void Unknown_task_and_bad_data_exit_with_code_2_and_one_line()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("mc.jsonl"), "{\"context\": \"c\", \"choices\": [\"a\"], \"gold\": 0}\n");
        var unknown = Run("eval", "--model", "m", "--task", "mmlu", "--data", dir.File("mc.jsonl"));
        Assert.Equal(2, unknown.Code);
        Assert.StartsWith("error: unknown task 'mmlu'", unknown.Err);
        var bad = Run("eval", "--model", "m", "--task", "mc-jsonl", "--data", dir.File("mc.jsonl"));
        Assert.Equal(2, bad.Code);
        Assert.Equal($"error: {dir.File("mc.jsonl")}:1: \"choices\" needs at least two entries, got 1", bad.Err.TrimEnd());
        var limit = Run("eval", "--model", "m", "--task", "piqa", "--data", "x", "--limit", "0");
        Assert.Equal(2, limit.Code);
        Assert.Contains("--limit must be at least 1", limit.Err);
    }
}
