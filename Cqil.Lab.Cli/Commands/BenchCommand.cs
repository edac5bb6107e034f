using System.CommandLine;
using System.Globalization;
using Cqil.Lab.Core;
using Cqil.Lab.Core.Cqil;
using Cqil.Lab.Core.Latency;

namespace Cqil.Lab.Cli.Commands;

/// <summary>`cqil bench`: latency of the baseline and a plan, measured side by side, with a projection to P devices.</summary>
public static class BenchCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var model = new ModelArguments();
        var plan = new Option<string?>("--plan") { Description = "The CQIL plan to measure against the baseline (file or name)" };
        var mode = new Option<string>("--mode") { Description = "reference, fused, concurrent, a comma list of them (fused,concurrent), or all (default)", DefaultValueFactory = _ => "all" };
        var promptLen = new Option<int>("--prompt-len") { Description = "Prompt tokens (prefill)", DefaultValueFactory = _ => 128 };
        var batch = new Option<int>("--batch") { Description = "Sequences per batch", DefaultValueFactory = _ => 1 };
        var decode = new Option<int>("--decode-tokens") { Description = "Tokens decoded after the prompt, each timed", DefaultValueFactory = _ => 32 };
        var warmup = new Option<int>("--warmup") { Description = "Untimed repetitions per runner", DefaultValueFactory = _ => 2 };
        var reps = new Option<int>("--reps") { Description = "Timed repetitions per runner (runners alternate)", DefaultValueFactory = _ => 10 };
        var threads = new Option<string?>("--thread-candidates") { Description = "libtorch thread counts to try per runner, e.g. 1,2 (default: 1 … cores)" };
        var noProjection = new Option<bool>("--no-projection") { Description = "Skip profiling unit times and the projection" };
        var outPath = new Option<string?>("--out") { Description = "Write the full report (raw samples, machine, trials) as JSON" };
        var command = new Command("bench", "Measure prefill and decode latency of the baseline and a CQIL plan side by side, honestly.");
        model.AddTo(command);
        foreach (var option in new Option[] { plan, mode, promptLen, batch, decode, warmup, reps, threads, noProjection, outPath })
        {
            command.Options.Add(option);
        }
        command.SetAction(parse =>
        {
            using var worker = model.StartWorker(parse);
            var settings = new LatencySettings
            {
                PromptLength = parse.GetValue(promptLen),
                Batch = parse.GetValue(batch),
                DecodeTokens = parse.GetValue(decode),
                Warmup = parse.GetValue(warmup),
                Repetitions = parse.GetValue(reps),
                // On a GPU the host's thread count only matters for host-side ops: one candidate, not a sweep.
                ThreadCandidates = ParseList(parse.GetValue(threads)) is { Length: > 0 } given ? given
                    : worker.Device.type == TorchSharp.DeviceType.CPU ? [] : [1],
            };
            settings.Validate();
            string modeArg = parse.GetValue(mode)!;
            var modes = modeArg == "all" ? [ExecutionMode.Reference, ExecutionMode.Fused, ExecutionMode.Concurrent]
                : modeArg.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(ExecutionModes.Parse).Distinct().ToArray();
            using var loaded = model.LoadModel(parse, worker, error);
            var groupPlan = GroupPlan.Baseline(loaded.Config.NumLayers);
            if (parse.GetValue(plan) is { } planArg)
            {
                var doc = PlanFiles.Read(planArg, loaded.Config.NumLayers);
                if (doc.CheckAgainst(loaded.Identity, planArg) is { } warning)
                {
                    error.WriteLine("warning: " + warning);
                }
                groupPlan = doc.Plan;
            }
            var progress = new SynchronousProgress<LatencyProgress>(p => error.Write($"\r{p.Phase}: {p.Done}/{p.Total}   "));
            var report = worker.Run(() => LatencyLab.Run(loaded, groupPlan, groupPlan.IsBaseline ? [] : modes, settings,
                project: !parse.GetValue(noProjection), progress: progress));
            error.WriteLine();
            LatencyReportPrinter.Print(report, output);
            if (parse.GetValue(outPath) is { } path)
            {
                File.WriteAllText(path, report.ToJson());
                output.WriteLine($"written to {path}");
            }
            return 0;
        });
        return command;
    }

    private static int[] ParseList(string? text) => text is null ? [] : text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
        .Select(t => int.TryParse(t, CultureInfo.InvariantCulture, out int v) ? v : throw new InvalidInputException($"--thread-candidates: '{t}' is not a number")).ToArray();
}
