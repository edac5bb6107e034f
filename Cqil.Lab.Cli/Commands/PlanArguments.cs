using System.CommandLine;
using Cqil.Lab.Core.Cqil;
using Cqil.Lab.Core.Cqil.Execution;
using Cqil.Lab.Core.Model;

namespace Cqil.Lab.Cli.Commands;

/// <summary>--plan and --mode, shared by every command that runs a model under a CQIL plan.</summary>
public sealed class PlanArguments
{
    public Option<string?> Plan { get; } = new("--plan") { Description = "CQIL plan: a lab plan file, a file with the authors' cqil_layers/d, or a name like LLaMA-7B-S12-E30-P2-D0" };
    public Option<string> Mode { get; } = new("--mode") { Description = "How groups run: reference, fused or concurrent", DefaultValueFactory = _ => "fused" };

    public void AddTo(Command command)
    {
        command.Options.Add(Plan);
        command.Options.Add(Mode);
    }

    /// <summary>The model itself when no plan is given, otherwise an executor for the plan (warnings go to <paramref name="error"/>).</summary>
    public ICausalLm Runner(ParseResult parse, LlamaModel model, TextWriter error)
    {
        var mode = ExecutionModes.Parse(parse.GetValue(Mode)!);
        string? planArg = parse.GetValue(Plan);
        if (planArg is null)
        {
            return model;
        }
        var doc = PlanFiles.Read(planArg, model.Config.NumLayers);
        if (doc.CheckAgainst(model.Identity, planArg) is { } warning)
        {
            error.WriteLine("warning: " + warning);
        }
        return PlanExecutors.Create(model, doc.Plan, mode);
    }
}
