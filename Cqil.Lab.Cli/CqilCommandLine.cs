using System.CommandLine;
using Cqil.Lab.Cli.Commands;
using Cqil.Lab.Core;

namespace Cqil.Lab.Cli;

/// <summary>
/// The `cqil` command: one subcommand per capability, each a thin call into Cqil.Lab.Core. Exit codes:
/// 0 success, 2 bad input or usage (one clear line, no stack trace), 1 an unexpected failure.
/// </summary>
public static class CqilCommandLine
{
    public const int Success = 0;
    public const int Failure = 1;
    public const int BadInput = 2;

    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        var root = new RootCommand("CQIL Lab: run LLaMA-family models with concurrent quasi-independent layers, and measure what it costs and saves.");
        root.Subcommands.Add(GenerateCommand.Create(output, error));
        root.Subcommands.Add(PlanCommand.Create(output, error));
        root.Subcommands.Add(AnalyzeCommand.Create(output, error));
        root.Subcommands.Add(SuggestCommand.Create(output, error));
        root.Subcommands.Add(EvalCommand.Create(output, error));
        root.Subcommands.Add(CompareCommand.Create(output));
        root.Subcommands.Add(BenchCommand.Create(output, error));
        root.Subcommands.Add(FidelityCommand.Create(output, error));
        root.Subcommands.Add(TrainDemoCommand.Create(output, error));
        root.Subcommands.Add(DoctorCommand.Create(output));

        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var e in parse.Errors)
            {
                error.WriteLine("error: " + e.Message);
            }
            error.WriteLine("Run 'cqil --help' for usage.");
            return BadInput;
        }
        try
        {
            return parse.Invoke(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false });
        }
        catch (Exception e) when (Unwrap(e) is InvalidInputException bad)
        {
            error.WriteLine("error: " + bad.Message);
            return BadInput;
        }
        catch (Exception e) when (Unwrap(e) is OperationCanceledException)
        {
            error.WriteLine("cancelled");
            return Failure;
        }
        catch (Exception e)
        {
            var inner = Unwrap(e);
            error.WriteLine($"error: {inner.GetType().Name}: {inner.Message}");
            if (Environment.GetEnvironmentVariable("CQIL_DEBUG") == "1")
            {
                error.WriteLine(inner);
            }
            return Failure;
        }
    }

    private static Exception Unwrap(Exception e)
    {
        while (e is AggregateException { InnerExceptions.Count: 1 } || (e.InnerException is not null && e is System.Reflection.TargetInvocationException))
        {
            e = e.InnerException!;
        }
        return e;
    }
}
