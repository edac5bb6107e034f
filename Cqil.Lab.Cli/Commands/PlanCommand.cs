using System.CommandLine;
using System.Globalization;
using Cqil.Lab.Core;
using Cqil.Lab.Core.Checkpoints;
using Cqil.Lab.Core.Cqil;
using Cqil.Lab.Core.Model;

namespace Cqil.Lab.Cli.Commands;

/// <summary>`cqil plan`: create, show, validate and convert CQIL plans.</summary>
public static class PlanCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var command = new Command("plan", "Create, show, validate and convert CQIL plans (lab JSON and the authors' cqil_layers form).");
        command.Subcommands.Add(CreateCommand(output));
        command.Subcommands.Add(ShowCommand(output));
        command.Subcommands.Add(ValidateCommand(output, error));
        command.Subcommands.Add(ConvertCommand(output));
        return command;
    }

    private static Option<int?> LayersOption() => new("--layers") { Description = "Layer count of the target model (or give --model)" };

    private static Option<string?> ModelOption() => new("--model") { Description = "The target model (its layer count and identity are read, not its weights)" };

    private static Command CreateCommand(TextWriter output)
    {
        var layers = LayersOption();
        var model = ModelOption();
        var s = new Option<int?>("--s") { Description = "S: first grouped layer (0-based)" };
        var e = new Option<int?>("--e") { Description = "E: end of the grouped run (exclusive)" };
        var p = new Option<int?>("--p") { Description = "P: layers per group" };
        var groups = new Option<string?>("--groups") { Description = "Explicit groups as inclusive ranges, e.g. \"12-13,14-17\" (other layers run alone)" };
        var d = new Option<int>("--d") { Description = "Bypass distance D (0 = off)", DefaultValueFactory = _ => 0 };
        var bypass = new Option<string>("--bypass") { Description = "Bypass mode: ffn-input or residual", DefaultValueFactory = _ => "ffn-input" };
        var name = new Option<string?>("--name") { Description = "A name for the plan" };
        var notes = new Option<string?>("--notes") { Description = "Free-text notes" };
        var format = new Option<string>("--format") { Description = "lab (default) or authors", DefaultValueFactory = _ => "lab" };
        var outPath = new Option<string?>("--out") { Description = "Write here instead of standard output" };
        var command = new Command("create", "Create a plan from S/E/P or from explicit groups.") { layers, model, s, e, p, groups, d, bypass, name, notes, format, outPath };
        command.SetAction(parse =>
        {
            var (count, reference) = Target(parse, layers, model);
            var mode = BypassModes.Parse(parse.GetValue(bypass)!);
            GroupPlan plan;
            if (parse.GetValue(groups) is { } list)
            {
                if (parse.GetValue(s) is not null || parse.GetValue(p) is not null)
                {
                    throw new InvalidInputException("give either --groups or --s/--e/--p, not both");
                }
                plan = GroupPlan.FromMultiLayerGroups(count, ParseRanges(list), parse.GetValue(d), mode);
            }
            else
            {
                int start = parse.GetValue(s) ?? throw new InvalidInputException("give --s, --e and --p, or --groups");
                int end = parse.GetValue(e) ?? throw new InvalidInputException("give --e (end of the grouped run, exclusive)");
                int per = parse.GetValue(p) ?? throw new InvalidInputException("give --p (layers per group)");
                plan = GroupPlan.FromSep(count, start, end, per, parse.GetValue(d), mode);
            }
            var doc = new PlanDocument(plan, reference, parse.GetValue(name), parse.GetValue(notes));
            Write(parse.GetValue(format)!, doc, parse.GetValue(outPath), output);
            return 0;
        });
        return command;
    }

    private static Command ShowCommand(TextWriter output)
    {
        var file = new Argument<string>("plan") { Description = "Plan file or configuration name" };
        var layers = LayersOption();
        var model = ModelOption();
        var command = new Command("show", "Print a plan's groups, sequential depth and ideal reduction.") { file, layers, model };
        command.SetAction(parse =>
        {
            string source = parse.GetValue(file)!;
            int count = LayerCountFor(parse, source, layers, model);
            Describe(PlanFiles.Read(source, count), output);
            return 0;
        });
        return command;
    }

    private static Command ValidateCommand(TextWriter output, TextWriter error)
    {
        var file = new Argument<string>("plan") { Description = "Plan file or configuration name" };
        var model = new Option<string>("--model") { Description = "The model to check the plan against", Required = true };
        var command = new Command("validate", "Check a plan against a model; exits 2 when it does not fit.") { file, model };
        command.SetAction(parse =>
        {
            string source = parse.GetValue(file)!;
            var identity = CheckpointLoader.ReadIdentity(parse.GetValue(model)!);
            var doc = PlanFiles.Read(source, identity.LayerCount);
            if (doc.CheckAgainst(identity, source) is { } warning)
            {
                error.WriteLine("warning: " + warning);
            }
            output.WriteLine($"ok: {doc.Plan.Describe()} fits {identity}");
            return 0;
        });
        return command;
    }

    private static Command ConvertCommand(TextWriter output)
    {
        var file = new Argument<string>("plan") { Description = "Plan file or configuration name" };
        var to = new Option<string>("--to") { Description = "lab or authors", Required = true };
        var layers = LayersOption();
        var model = ModelOption();
        var outPath = new Option<string?>("--out") { Description = "Write here instead of standard output" };
        var command = new Command("convert", "Convert between the lab format and the authors' cqil_layers form.") { file, to, layers, model, outPath };
        command.SetAction(parse =>
        {
            string source = parse.GetValue(file)!;
            int count = LayerCountFor(parse, source, layers, model);
            var doc = PlanFiles.Read(source, count);
            if (parse.GetValue(model) is { } modelPath)
            {
                doc = doc with { Model = PlanModelReference.Of(CheckpointLoader.ReadIdentity(modelPath)) };
            }
            Write(parse.GetValue(to)!, doc, parse.GetValue(outPath), output);
            return 0;
        });
        return command;
    }

    private static void Write(string format, PlanDocument doc, string? path, TextWriter output)
    {
        string text = format.ToLowerInvariant() switch
        {
            "lab" => doc.ToJson(),
            "authors" => AuthorsPlanFormat.Export(doc.Plan),
            _ => throw new InvalidInputException($"format '{format}': expected lab or authors"),
        };
        if (path is null)
        {
            output.WriteLine(text);
            return;
        }
        File.WriteAllText(path, text + Environment.NewLine);
        Describe(doc, output);
        output.WriteLine($"written to {path}");
    }

    private static void Describe(PlanDocument doc, TextWriter output)
    {
        var plan = doc.Plan;
        output.WriteLine($"plan: {plan.Describe()}{(doc.Name is null ? "" : $" ({doc.Name})")}");
        output.WriteLine($"groups: {string.Join(" ", plan.MultiLayerGroups.Select(g => g.ToString()))}{(plan.IsBaseline ? "(none: every layer alone)" : "")}");
        output.WriteLine($"layers: {plan.LayerCount}; sequential depth: {plan.SequentialDepth}; ideal reduction of layer time: {plan.IdealReduction.ToString("P1", CultureInfo.InvariantCulture)}");
        output.WriteLine($"bypass: D={plan.BypassDistance}, {BypassModes.Name(plan.BypassMode)}");
        if (plan.AsSep() is not null && doc.Model.Name is { } name)
        {
            output.WriteLine($"authors' name: {AuthorsPlanFormat.Name(name, plan)}");
        }
    }

    private static (int Count, PlanModelReference Reference) Target(ParseResult parse, Option<int?> layers, Option<string?> model)
    {
        if (parse.GetValue(model) is { } path)
        {
            var identity = CheckpointLoader.ReadIdentity(path);
            return (identity.LayerCount, PlanModelReference.Of(identity));
        }
        int count = parse.GetValue(layers) ?? throw new InvalidInputException("give --layers N or --model PATH");
        return (count, new PlanModelReference(null, null, count));
    }

    // Lab files carry their layer count; the authors' forms need it from --layers or --model.
    private static int LayerCountFor(ParseResult parse, string source, Option<int?> layers, Option<string?> model)
    {
        if (parse.GetValue(model) is { } path)
        {
            return CheckpointLoader.ReadIdentity(path).LayerCount;
        }
        if (parse.GetValue(layers) is int count)
        {
            return count;
        }
        if (File.Exists(source) && File.ReadAllText(source).Contains("\"schema\"", StringComparison.Ordinal))
        {
            return PlanDocument.Parse(File.ReadAllText(source), source).Model.LayerCount;
        }
        throw new InvalidInputException($"{source}: the authors' form does not record the layer count; give --layers N or --model PATH");
    }

    /// <summary>"12-13,14-17" → [[12,13],[14,15,16,17]].</summary>
    public static List<IReadOnlyList<int>> ParseRanges(string text)
    {
        var groups = new List<IReadOnlyList<int>>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var ends = part.Split('-', StringSplitOptions.TrimEntries);
            if (ends.Length is < 1 or > 2 || !int.TryParse(ends[0], CultureInfo.InvariantCulture, out int first) || !int.TryParse(ends[^1], CultureInfo.InvariantCulture, out int last))
            {
                throw new InvalidInputException($"--groups: '{part}' is not a layer range like 12-13");
            }
            groups.Add(last >= first ? Enumerable.Range(first, last - first + 1).ToArray() : [first, last]);
        }
        return groups;
    }
}
