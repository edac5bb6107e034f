using Cqil.Lab.Cli;

return CqilCommandLine.Run(args, Console.Out, Console.Error);
