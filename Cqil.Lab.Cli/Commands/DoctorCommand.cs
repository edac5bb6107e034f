using System.CommandLine;
using System.Text.Json;
using Cqil.Lab.Core.Runtime;

namespace Cqil.Lab.Cli.Commands;

/// <summary>`cqil doctor`: a smoke test of the chosen device (tensor there, a product, synchronize, compare with the CPU).</summary>
public static class DoctorCommand
{
    private static readonly JsonSerializerOptions SnakeCase = new(JsonOutput.Options) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static Command Create(TextWriter output)
    {
        var device = new Option<string>("--device") { Description = "cpu, cuda or cuda:N", DefaultValueFactory = _ => "cpu" };
        var size = new Option<int>("--size") { Description = "Side of the square float32 product", DefaultValueFactory = _ => 1024 };
        var json = new Option<bool>("--json") { Description = "Print the report as JSON" };
        var command = new Command("doctor", "Check that this build can compute on a device: a float32 product there, synchronized and compared with the CPU.");
        command.Options.Add(device);
        command.Options.Add(size);
        command.Options.Add(json);
        command.SetAction(parse =>
        {
            int n = parse.GetValue(size);
            if (n < 1)
            {
                throw new Core.InvalidInputException($"--size must be at least 1, got {n}");
            }
            using var worker = new DeviceWorker(TorchRuntime.ParseDevice(parse.GetValue(device)!), 1, "cqil-doctor");
            var report = worker.Run(() => DeviceSmokeTest.Run(worker.Device, n));
            if (parse.GetValue(json))
            {
                output.WriteLine(JsonSerializer.Serialize(report, SnakeCase));
            }
            else
            {
                output.WriteLine($"libtorch {report.Libtorch}; CUDA {(report.CudaAvailable ? $"available, {report.CudaDevices} device(s)" : "not available")}");
                output.WriteLine($"{report.Device}: {report.Size}x{report.Size} float32 product in {report.ProductMs:F3} ms, max relative error vs CPU {report.MaxRelativeError:G3} → {(report.Passed ? "ok" : report.Problem)}");
            }
            return report.Passed ? CqilCommandLine.Success : CqilCommandLine.Failure;
        });
        return command;
    }
}
