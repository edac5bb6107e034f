using Cqil.Lab.Cli;

namespace Cqil.Lab.Tests.Fixtures;

/// <summary>Runs `cqil` in-process and captures its exit code, standard output and standard error.</summary>
public static class CliRun
{
    public static (int Code, string Out, string Err) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = CqilCommandLine.Run(args, output, error);
        return (code, output.ToString(), error.ToString());
    }
}
