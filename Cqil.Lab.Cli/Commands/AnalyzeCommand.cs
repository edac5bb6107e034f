using System.CommandLine;
using System.Globalization;
using Cqil.Lab.Core;
using Cqil.Lab.Core.Analysis;
using Cqil.Lab.Core.Cqil;
using Cqil.Lab.Core.Demo;
using Cqil.Lab.Core.Model;

namespace Cqil.Lab.Cli.Commands;

/// <summary>`cqil analyze`: layer-input similarity over calibration text, printed and saved as JSON.</summary>
public static class AnalyzeCommand
{
    /// <summary>The options that define an analysis, shared with `cqil suggest`.</summary>
    public sealed class AnalysisArguments
    {
        public ModelArguments Model { get; } = new();
        public Option<string?> Data { get; } = new("--data") { Description = "Calibration text file (plain text; blank lines separate paragraphs; default: heldout.txt in the model folder, as the demo model has)" };
        public Option<int> Samples { get; } = new("--samples") { Description = "Number of samples", DefaultValueFactory = _ => 64 };
        public Option<int> SeqLen { get; } = new("--seq-len") { Description = "Tokens per sample (BOS included)", DefaultValueFactory = _ => 256 };
        public Option<int> BatchSize { get; } = new("--batch-size") { Description = "Samples per forward pass", DefaultValueFactory = _ => 8 };
        public Option<string?> Plan { get; } = new("--plan") { Description = "Analyse the model under this CQIL plan (its groups change later layers' inputs)" };
        public Option<string> Mode { get; } = new("--mode") { Description = "How the plan's groups run while capturing: reference, fused or concurrent", DefaultValueFactory = _ => "reference" };
        public Option<bool> IncludeBos { get; } = new("--include-bos") { Description = "Count the BOS position in the statistics (left out by default)" };
        public Option<bool> NoCache { get; } = new("--no-cache") { Description = "Recompute even when a cached result exists" };
        public Option<string?> CacheDir { get; } = new("--cache-dir") { Description = "Where analyses are cached (default ~/.cache/cqil-lab/analysis)" };

        public void AddTo(Command command)
        {
            Model.AddTo(command);
            foreach (var option in new Option[] { Data, Samples, SeqLen, BatchSize, Plan, Mode, IncludeBos, NoCache, CacheDir })
            {
                command.Options.Add(option);
            }
        }

        /// <summary>A demo model folder's held-out text, the natural calibration data when --data is not given.</summary>
        private static string? HeldOutTextBeside(string modelPath)
        {
            string candidate = Path.Combine(modelPath, DemoFolder.HeldOutFileName);
            return Directory.Exists(modelPath) && File.Exists(candidate) ? candidate : null;
        }

        /// <summary>Runs (or reads from the cache) the analysis the options describe.</summary>
        public LayerSimilarityAnalysis Run(ParseResult parse, TextWriter error)
        {
            string dataPath = parse.GetValue(Data) ?? HeldOutTextBeside(Model.ModelPath(parse))
                ?? throw new InvalidInputException("give --data FILE (a plain-text calibration file)");
            string text = InputFile.ReadAllText(dataPath);
            var settings = new AnalysisSettings
            {
                BatchSize = parse.GetValue(BatchSize),
                ExcludeBos = !parse.GetValue(IncludeBos),
                Mode = ExecutionModes.Parse(parse.GetValue(Mode)!),
            };
            settings.Validate();
            using var worker = Model.StartWorker(parse);
            using var loaded = Model.Load(parse, worker, error);
            var model = loaded.Model;
            GroupPlan? plan = null;
            if (parse.GetValue(Plan) is { } planArg)
            {
                var doc = PlanFiles.Read(planArg, model.Config.NumLayers);
                if (doc.CheckAgainst(model.Identity, planArg) is { } warning)
                {
                    error.WriteLine("warning: " + warning);
                }
                plan = doc.Plan;
            }
            var data = CalibrationSet.FromText(text, "file:" + Path.GetFileName(dataPath), loaded.Tokenizer, parse.GetValue(SeqLen), parse.GetValue(Samples));
            var cache = new AnalysisCache(parse.GetValue(CacheDir) ?? AnalysisCache.DefaultFolder());
            string key = AnalysisCache.Key(model.Identity.Fingerprint, ModelDtype.Name(model.Dtype), data, plan, settings);
            if (!parse.GetValue(NoCache) && cache.TryGet(key) is { } cached)
            {
                error.WriteLine($"(cached analysis {key})");
                return cached;
            }
            var result = worker.Run(() => SimilarityAnalyzer.Run(model, data, settings, plan, new SynchronousProgress<AnalysisProgress>(p => error.Write($"\ranalysing: batch {p.BatchesDone}/{p.BatchesTotal}, {p.Tokens} tokens"))));
            error.WriteLine();
            cache.Put(key, result);
            return result;
        }
    }

    public static Command Create(TextWriter output, TextWriter error)
    {
        var args = new AnalysisArguments();
        var metric = new Option<string>("--metric") { Description = "cosine, last-token-cosine, angular-distance or block-influence (what is printed; the file holds all)", DefaultValueFactory = _ => "cosine" };
        var outPath = new Option<string?>("--out") { Description = "Write the full result (all metrics, spreads, metadata) as JSON" };
        var command = new Command("analyze", "Measure how similar the inputs of every pair of layers are over calibration text.");
        args.AddTo(command);
        command.Options.Add(metric);
        command.Options.Add(outPath);
        command.SetAction(parse =>
        {
            var chosen = SimilarityMetrics.Parse(parse.GetValue(metric)!);
            var result = args.Run(parse, error);
            Print(result, chosen, output);
            if (parse.GetValue(outPath) is { } path)
            {
                File.WriteAllText(path, result.ToJson());
                output.WriteLine($"written to {path}");
            }
            return 0;
        });
        return command;
    }

    public static void Print(LayerSimilarityAnalysis result, SimilarityMetric metric, TextWriter output)
    {
        var c = CultureInfo.InvariantCulture;
        output.WriteLine($"{result.Model.Name} ({result.Model.Dtype}), {result.Data.Source}: {result.Data.Samples} samples, {result.Data.TokensCounted} tokens, plan {result.Settings.Plan}");
        if (metric == SimilarityMetric.BlockInfluence)
        {
            output.WriteLine("layer  block influence  (± sd over samples)");
            for (int l = 0; l < result.Layers; l++)
            {
                output.WriteLine(string.Create(c, $"{l,5}  {result.BlockInfluence.Mean[l],15:F4}  ± {result.BlockInfluence.StdDev[l]:F4}"));
            }
            return;
        }
        var m = result.Matrix(metric);
        output.WriteLine($"{SimilarityMetrics.Name(metric)} of layer inputs (row i, column j):");
        output.WriteLine("      " + string.Concat(Enumerable.Range(0, m.Size).Select(j => $"{j,7}")));
        for (int i = 0; i < m.Size; i++)
        {
            output.WriteLine($"{i,5} " + string.Concat(m.Mean[i].Select(v => v.ToString("F3", c).PadLeft(7))));
        }
        if (metric != SimilarityMetric.AngularDistance)
        {
            output.WriteLine("adjacent (ℓ, ℓ+1): " + string.Join(" ", m.Adjacent().Select(v => v.ToString("F3", c))));
        }
    }
}

/// <summary>An IProgress that reports on the calling thread, immediately (no SynchronizationContext hop).</summary>
public sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
