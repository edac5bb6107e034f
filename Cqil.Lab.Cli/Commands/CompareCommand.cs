using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Cqil.Lab.Core;
using Cqil.Lab.Core.Evaluation;

namespace Cqil.Lab.Cli.Commands;

/// <summary>`cqil compare`: paired comparison of two `cqil eval` runs on the same items.</summary>
public static class CompareCommand
{
    public static Command Create(TextWriter output)
    {
        var baseline = new Option<string>("--baseline") { Description = "Result JSON of the baseline run (written by cqil eval --out)", Required = true };
        var candidate = new Option<string>("--candidate") { Description = "Result JSON of the candidate run (a plan)", Required = true };
        var resamples = new Option<int>("--resamples") { Description = "Paired bootstrap resamples", DefaultValueFactory = _ => PairedComparison.DefaultResamples };
        var seed = new Option<ulong>("--seed") { Description = "Bootstrap seed", DefaultValueFactory = _ => PairedComparison.DefaultSeed };
        var json = new Option<bool>("--json") { Description = "Print the comparison as JSON" };

        var command = new Command("compare", "Paired comparison of two eval runs on the same items: both accuracies, difference with a paired bootstrap 95% interval, McNemar exact p.");
        foreach (var option in new Option[] { baseline, candidate, resamples, seed, json })
        {
            command.Options.Add(option);
        }
        command.SetAction(parse =>
        {
            string basePath = parse.GetValue(baseline)!, candPath = parse.GetValue(candidate)!;
            var a = EvaluationResult.Load(basePath);
            var b = EvaluationResult.Load(candPath);
            if (a.Task.TaskSha256 != b.Task.TaskSha256 || a.Task.Name != b.Task.Name)
            {
                throw new InvalidInputException($"{candPath}: scored {b.Task.Name} (data {b.Task.TaskSha256[..12]}), but {basePath} scored {a.Task.Name} (data {a.Task.TaskSha256[..12]}); pair runs of the same task data");
            }
            if (a.Task.NumFewShot != b.Task.NumFewShot || a.Task.FewShotSeed != b.Task.FewShotSeed)
            {
                throw new InvalidInputException($"{candPath}: {b.Task.NumFewShot}-shot (seed {b.Task.FewShotSeed?.ToString() ?? "none"}), but {basePath}: {a.Task.NumFewShot}-shot (seed {a.Task.FewShotSeed?.ToString() ?? "none"}); pair runs with the same prompts");
            }
            string aItems = a.ItemsPath ?? throw InvalidInputException.ForFile(basePath, "has no per-item results (run cqil eval with --out or --items)");
            string bItems = b.ItemsPath ?? throw InvalidInputException.ForFile(candPath, "has no per-item results (run cqil eval with --out or --items)");
            var metrics = a.Metrics.Select(m => m.Name).Where(n => n is "acc" or "acc_norm").ToArray();
            if (metrics.Length == 0)
            {
                throw InvalidInputException.ForFile(basePath, $"{a.Task.Name} has no accuracy metric to pair (perplexity tasks are compared by their values)");
            }
            var comparisons = metrics.Select(m => PairedComparison.Compare(m, ItemResultsFile.ReadOutcomes(aItems, m), ItemResultsFile.ReadOutcomes(bItems, m), parse.GetValue(resamples), parse.GetValue(seed))).ToArray();
            if (parse.GetValue(json))
            {
                output.WriteLine(JsonSerializer.Serialize(new { baseline = basePath, candidate = candPath, task = a.Task.Name, comparisons }, EvaluationResult.JsonOptions));
                return 0;
            }
            output.WriteLine($"{a.Task.Name}: {a.Model.Runner} ({basePath}) vs {b.Model.Runner} ({candPath}), {comparisons[0].N} paired items");
            output.WriteLine();
            output.WriteLine("| metric | baseline | candidate | difference | paired bootstrap 95% | only baseline right | only candidate right | McNemar exact p |");
            output.WriteLine("|---|---|---|---|---|---|---|---|");
            foreach (var c in comparisons)
            {
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {c.Metric} | {c.BaselineAccuracy:F4} | {c.CandidateAccuracy:F4} | {c.Difference:+0.0000;-0.0000;0.0000} | [{c.BootstrapLow:F4}, {c.BootstrapHigh:F4}] | {c.BaselineOnly} | {c.CandidateOnly} | {c.McNemarP:G4} |"));
            }
            return 0;
        });
        return command;
    }
}
