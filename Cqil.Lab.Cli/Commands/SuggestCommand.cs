using System.CommandLine;
using System.Globalization;
using Cqil.Lab.Core;
using Cqil.Lab.Core.Analysis;
using Cqil.Lab.Core.Cqil;

namespace Cqil.Lab.Cli.Commands;

/// <summary>`cqil suggest`: groupings chosen from a similarity analysis, explained with their numbers.</summary>
public static class SuggestCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var analysisArgs = new AnalyzeCommand.AnalysisArguments();
        var analysis = new Option<string?>("--analysis") { Description = "A saved analysis (cqil analyze --out); otherwise the analysis options below are used" };
        var metric = new Option<string>("--metric") { Description = "Similarity used: cosine, last-token-cosine or angular-distance (as 1 − distance)", DefaultValueFactory = _ => "cosine" };
        var depth = new Option<int?>("--depth") { Description = "Target sequential depth (number of groups, singletons included)" };
        var reduction = new Option<double?>("--reduction") { Description = "Target ideal reduction of layer time, e.g. 0.28 (instead of --depth)" };
        var maxGroup = new Option<int>("--max-group") { Description = "Largest group size (e.g. the number of devices)", DefaultValueFactory = _ => 2 };
        var objective = new Option<string>("--objective") { Description = "min-adjacent, mean-adjacent or min-to-group-input", DefaultValueFactory = _ => "min-adjacent" };
        var rankP = new Option<int?>("--rank-p") { Description = "Also rank every S/E/P plan for this P" };
        var d = new Option<int>("--d") { Description = "Bypass distance for the suggested plan", DefaultValueFactory = _ => 0 };
        var bypass = new Option<string>("--bypass") { Description = "Bypass mode for the suggested plan", DefaultValueFactory = _ => "ffn-input" };
        var outPath = new Option<string?>("--out") { Description = "Save the suggested plan (lab format)" };
        var command = new Command("suggest", "Suggest CQIL groupings from layer-input similarity (exact dynamic programming) and rank S/E/P plans.");
        analysisArgs.AddTo(command);
        analysisArgs.Model.Model.Required = false;
        foreach (var option in new Option[] { analysis, metric, depth, reduction, maxGroup, objective, rankP, d, bypass, outPath })
        {
            command.Options.Add(option);
        }
        command.SetAction(parse =>
        {
            var result = parse.GetValue(analysis) is { } path
                ? LayerSimilarityAnalysis.Parse(InputFile.ReadAllText(path), path)
                : parse.GetValue(analysisArgs.Model.Model) is not null
                    ? analysisArgs.Run(parse, error)
                    : throw new InvalidInputException("give --analysis FILE, or --model and --data to analyse first");
            var similarity = Similarity(result, SimilarityMetrics.Parse(parse.GetValue(metric)!));
            var goal = GroupingObjectives.Parse(parse.GetValue(objective)!);
            int layers = result.Layers;
            int? target = parse.GetValue(depth) ?? (parse.GetValue(reduction) is double r ? GroupingSuggester.DepthForReduction(layers, r) : null);
            var c = CultureInfo.InvariantCulture;
            if (target is int t)
            {
                var suggestion = GroupingSuggester.Suggest(similarity, t, parse.GetValue(maxGroup), goal, parse.GetValue(d), BypassModes.Parse(parse.GetValue(bypass)!));
                output.WriteLine("suggested: " + suggestion.Explain());
                if (parse.GetValue(outPath) is { } planPath)
                {
                    var doc = new PlanDocument(suggestion.Plan, new PlanModelReference(result.Model.Name, result.Model.Fingerprint, layers),
                        $"suggested {suggestion.Plan.Describe()}", $"cqil suggest: {suggestion.Explain()}");
                    File.WriteAllText(planPath, doc.ToJson());
                    output.WriteLine($"plan written to {planPath}");
                }
            }
            if (parse.GetValue(rankP) is int p)
            {
                output.WriteLine($"S/E/P plans for P={p}, best S for each number of groups ({GroupingObjectives.Name(goal)}):");
                output.WriteLine("groups  S   E   depth  ideal    score   mean-adj  min-adj");
                foreach (var best in GroupingSuggester.RankSep(similarity, p, goal).GroupBy(x => x.Groups).Select(g => g.First()))
                {
                    output.WriteLine(string.Create(c, $"{best.Groups,6} {best.S,3} {best.E,3} {best.SequentialDepth,6}  {best.IdealReduction,6:P1}  {best.Score,6:F4}  {best.MeanAdjacent,8:F4}  {best.MinAdjacent,7:F4}"));
                }
            }
            if (target is null && parse.GetValue(rankP) is null)
            {
                throw new InvalidInputException("give --depth D or --reduction R (and/or --rank-p P)");
            }
            return 0;
        });
        return command;
    }

    private static SimilarityMatrix Similarity(LayerSimilarityAnalysis result, SimilarityMetric metric)
    {
        if (metric == SimilarityMetric.AngularDistance)
        {
            var a = result.AngularDistance;
            return a with { Mean = a.Mean.Select(row => row.Select(v => 1 - v).ToArray()).ToArray() };
        }
        return result.Matrix(metric);
    }
}
