using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Cqil.Lab.Core;
using Cqil.Lab.Core.Cqil;
using Cqil.Lab.Core.Cqil.Execution;
using Cqil.Lab.Core.Evaluation;

namespace Cqil.Lab.Cli.Commands;

/// <summary>`cqil eval`: score a model on a benchmark task with lm-eval v0.4.1 semantics.</summary>
public static class EvalCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var model = new ModelArguments();
        var task = new Option<string>("--task") { Description = "Task: " + string.Join(", ", TaskCatalog.Tasks.Select(t => t.Name)) + "; without --data, one of the model folder's own tasks (tasks/NAME.jsonl, e.g. the demo model's who-has)", Required = true };
        var data = new Option<string?>("--data") { Description = "The task's data file (see README: Evaluation for the accepted formats)" };
        var limit = new Option<int?>("--limit") { Description = "Score only N items: the first N (as lm-eval), or a seeded random N with --limit-seed" };
        var limitSeed = new Option<ulong?>("--limit-seed") { Description = "With --limit: draw a random subset with this seed instead of taking the first N" };
        var fewShot = new Option<int>("--num-fewshot") { Description = "Solved examples in front of every item (multiple-choice tasks), drawn from the task's other items", DefaultValueFactory = _ => 0 };
        var fewShotSeed = new Option<ulong>("--fewshot-seed") { Description = "Seed of the few-shot draw (lm-eval's default 1234)", DefaultValueFactory = _ => FewShotContext.DefaultSeed };
        var batchSize = new Option<int>("--batch-size") { Description = "Documents per forward batch", DefaultValueFactory = _ => 32 };
        var maxLength = new Option<int?>("--max-length") { Description = "Longest input in tokens (default: the model's maximum positions)" };
        var naive = new Option<bool>("--independent") { Description = "Run every choice with its own full context (lm-eval's way) instead of sharing the context" };
        var outPath = new Option<string?>("--out") { Description = "Write the result (metrics, hashes, settings) as JSON to FILE.json" };
        var itemsPath = new Option<string?>("--items") { Description = "Write per-item results as JSONL (default with --out: FILE.items.jsonl beside it)" };
        var json = new Option<bool>("--json") { Description = "Print the result JSON instead of a table" };
        var quiet = new Option<bool>("--quiet") { Description = "No progress lines on stderr" };

        var command = new Command("eval", "Score a model on a benchmark task (lm-evaluation-harness 0.4.1 semantics) with standard errors and 95% intervals.");
        model.AddTo(command);
        var plan = new PlanArguments();
        plan.AddTo(command);
        foreach (var option in new Option[] { task, data, limit, limitSeed, fewShot, fewShotSeed, batchSize, maxLength, naive, outPath, itemsPath, json, quiet })
        {
            command.Options.Add(option);
        }
        command.SetAction(parse =>
        {
            var options = new EvaluationOptions
            {
                Limit = parse.GetValue(limit),
                LimitSeed = parse.GetValue(limitSeed),
                NumFewShot = parse.GetValue(fewShot),
                FewShotSeed = parse.GetValue(fewShotSeed),
                Scoring = new ScoringOptions
                {
                    BatchSize = parse.GetValue(batchSize),
                    MaxLength = parse.GetValue(maxLength),
                    Mode = parse.GetValue(naive) ? ScoringMode.Independent : ScoringMode.SharedPrefix,
                },
            };
            options.Validate();
            string taskName = parse.GetValue(task)!;
            var evalTask = parse.GetValue(data) is { } dataPath
                ? TaskCatalog.Find(taskName).Read(dataPath)
                : ModelFolderTasks.Load(model.ModelPath(parse), taskName);
            string? resultPath = parse.GetValue(outPath);
            string? itemsFile = parse.GetValue(itemsPath) ?? (resultPath is null ? null : Path.ChangeExtension(resultPath, null) + ".items.jsonl");

            using var worker = model.StartWorker(parse);
            using var loaded = model.Load(parse, worker, error);
            var progress = parse.GetValue(quiet) ? null : new ThrottledProgress(error);
            var runner = worker.Run(() => plan.Runner(parse, loaded.Model, error));
            EvaluationRun run;
            try
            {
                if (runner is PlanExecutor executor)
                {
                    string planArg = parse.GetValue(plan.Plan)!;
                    options = options with
                    {
                        PlanPath = File.Exists(planArg) ? Path.GetFullPath(planArg) : planArg,
                        PlanSha256 = File.Exists(planArg) ? Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(planArg))) : null,
                        Mode = ExecutionModes.Name(executor.Mode),
                    };
                }
                run = worker.Run(() => TaskEvaluator.Run(runner, loaded.Tokenizer, evalTask, options, progress));
            }
            finally
            {
                (runner as PlanExecutor)?.Dispose();
            }
            progress?.Finish();

            var result = run.Result with { ItemsPath = itemsFile is null ? null : Path.GetFullPath(itemsFile) };
            if (itemsFile is not null)
            {
                run.WriteItems(itemsFile);
            }
            if (resultPath is not null)
            {
                result.Save(resultPath);
            }
            if (parse.GetValue(json))
            {
                output.WriteLine(result.ToJson());
            }
            else
            {
                WriteTable(output, result);
            }
            return 0;
        });
        return command;
    }

    public static void WriteTable(TextWriter output, EvaluationResult result)
    {
        var t = result.Task;
        output.WriteLine($"{t.Name}: {t.ItemsScored} of {t.ItemsInData} items ({t.Format}, sha256 {t.TaskSha256[..12]}) · {result.Model.Identity.Name} [{result.Model.Runner}, {result.Model.Dtype}] · {result.Semantics}{(t.NumFewShot > 0 ? $", {t.NumFewShot}-shot (seed {t.FewShotSeed})" : "")} · {result.Timing.Seconds:F1} s");
        output.WriteLine();
        output.WriteLine("| metric | value | stderr | 95% interval |");
        output.WriteLine("|---|---|---|---|");
        foreach (var m in result.Metrics)
        {
            string interval = m.Low is double lo && m.High is double hi ? $"[{Format(lo)}, {Format(hi)}] ({m.Interval})" : "n/a";
            output.WriteLine($"| {m.Name} | {Format(m.Value)} | {(m.StdErr is double se ? Format(se) : "n/a")} | {interval} |");
        }
    }

    private static string Format(double v) => Math.Abs(v) >= 1000 ? v.ToString("F1", CultureInfo.InvariantCulture) : v.ToString("F4", CultureInfo.InvariantCulture);

    /// <summary>Progress lines on stderr, at most one every two seconds.</summary>
    private sealed class ThrottledProgress(TextWriter error) : IProgress<EvaluationProgress>
    {
        private readonly Stopwatch clock = Stopwatch.StartNew();
        private TimeSpan last = TimeSpan.Zero;

        public void Report(EvaluationProgress value)
        {
            if (clock.Elapsed - last < TimeSpan.FromSeconds(2) && value.RequestsScored < value.RequestsTotal)
            {
                return;
            }
            last = clock.Elapsed;
            error.WriteLine($"scored {value.RequestsScored}/{value.RequestsTotal} requests ({value.Fraction:P0}), {value.Elapsed.TotalSeconds:F1} s");
        }

        public void Finish() => error.Flush();
    }
}
