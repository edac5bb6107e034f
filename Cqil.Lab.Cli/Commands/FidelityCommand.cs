using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Cqil.Lab.Core;
using Cqil.Lab.Core.Analysis;
using Cqil.Lab.Core.Cqil;
using Cqil.Lab.Core.Cqil.Execution;
using Cqil.Lab.Core.Evaluation;

namespace Cqil.Lab.Cli.Commands;

/// <summary>`cqil fidelity`: how closely a plan reproduces the baseline's next-token distributions on any text, label-free.</summary>
public static class FidelityCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var model = new ModelArguments();
        var plan = new PlanArguments();
        var data = new Option<string>("--data") { Description = "Any text file (blank lines separate paragraphs)", Required = true };
        var seqLen = new Option<int>("--seq-len") { Description = "Tokens per window (BOS included)", DefaultValueFactory = _ => 256 };
        var windows = new Option<int>("--windows") { Description = "Number of windows from the start of the text", DefaultValueFactory = _ => 32 };
        var batchSize = new Option<int>("--batch-size") { Description = "Windows per forward pass", DefaultValueFactory = _ => 8 };
        var outPath = new Option<string?>("--out") { Description = "Write the report as JSON" };
        var command = new Command("fidelity", "Measure a plan's fidelity to the baseline: top-1 agreement, KL(baseline‖plan), relative logit difference.");
        model.AddTo(command);
        plan.AddTo(command);
        plan.Plan.Required = true;
        foreach (var option in new Option[] { data, seqLen, windows, batchSize, outPath })
        {
            command.Options.Add(option);
        }
        command.SetAction(parse =>
        {
            string path = parse.GetValue(data)!;
            string text = InputFile.ReadAllText(path);
            using var worker = model.StartWorker(parse);
            using var loaded = model.Load(parse, worker, error);
            var samples = CalibrationSet.FromText(text, "file:" + Path.GetFileName(path), loaded.Tokenizer, parse.GetValue(seqLen), parse.GetValue(windows));
            var candidate = worker.Run(() => plan.Runner(parse, loaded.Model, error));
            FidelityReport report;
            try
            {
                report = worker.Run(() => FidelityMeter.Measure(loaded.Model, candidate, samples.Samples, parse.GetValue(batchSize)));
            }
            finally
            {
                (candidate as PlanExecutor)?.Dispose();
            }
            var c = CultureInfo.InvariantCulture;
            output.WriteLine($"{report.Candidate} vs {report.Baseline} on {samples.Source} ({report.Tokens} positions):");
            output.WriteLine(string.Create(c, $"  top-1 agreement {report.Top1Agreement:P2} [{report.Top1Low:P2}, {report.Top1High:P2}]"));
            output.WriteLine(string.Create(c, $"  KL(baseline‖plan) mean {report.MeanKl:F5} nats, max {report.MaxKl:F4}"));
            output.WriteLine(string.Create(c, $"  relative logit difference (mean ‖z_plan − z_base‖ / ‖z_base‖) {report.MeanRelativeLogitDifference:F5}"));
            if (parse.GetValue(outPath) is { } outFile)
            {
                File.WriteAllText(outFile, JsonSerializer.Serialize(new { report, data = new { source = samples.Source, sha256 = samples.DataHash, windows = samples.Samples.Count, seq_len = samples.SequenceLength } },
                    new JsonSerializerOptions { WriteIndented = true }));
                output.WriteLine($"written to {outFile}");
            }
            return 0;
        });
        return command;
    }
}
