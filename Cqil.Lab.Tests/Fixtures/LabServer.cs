using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Cqil.Lab.Tests.Fixtures;

/// <summary>
/// The lab web app as a separate process (the way `dotnet run` starts it), on a free local port, with its data
/// folder and models given on the command line. It can be killed like a crashed server and started again on the
/// same data.
/// </summary>
public sealed class LabServer : IDisposable
{
    private readonly Process process;
    private readonly StringBuilder log = new();

    private LabServer(Process process, string url)
    {
        this.process = process;
        Url = url;
    }

    public string Url { get; }

    public string Log
    {
        get
        {
            lock (log)
            {
                return log.ToString();
            }
        }
    }

    /// <summary>The web project's build output for this test build's configuration.</summary>
    public static string WebAssembly()
    {
        string repo = SharedData.RepositoryRoot() ?? throw new InvalidOperationException("repository root not found");
        string configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}") ? "Release" : "Debug";
        return Path.Combine(repo, "Cqil.Lab.Web", "bin", configuration, "net10.0", "Cqil.Lab.Web.dll");
    }

    public static async Task<LabServer> StartAsync(IDictionary<string, string> settings, TimeSpan? timeout = null)
    {
        string dll = WebAssembly();
        string repo = SharedData.RepositoryRoot()!;
        int port = FreePort();
        string url = $"http://127.0.0.1:{port}";
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.Combine(repo, "Cqil.Lab.Web"),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(dll);
        info.ArgumentList.Add("--urls");
        info.ArgumentList.Add(url);
        info.ArgumentList.Add("--contentRoot");
        info.ArgumentList.Add(Path.Combine(repo, "Cqil.Lab.Web"));
        foreach (var (key, value) in settings)
        {
            info.ArgumentList.Add($"--{key}={value}");
        }
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        info.Environment["DOTNET_NOLOGO"] = "1";
        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start the lab");
        var server = new LabServer(process, url);
        process.OutputDataReceived += (_, e) => server.Append(e.Data);
        process.ErrorDataReceived += (_, e) => server.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(90));
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"the lab exited with code {process.ExitCode}:\n{server.Log}");
            }
            try
            {
                // Up once the API answers: 200 in single-user mode, 401 to this anonymous probe in accounts mode.
                var response = await http.GetAsync(url + "/api/models");
                if (response.StatusCode is HttpStatusCode.OK or HttpStatusCode.Unauthorized)
                {
                    return server;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
            }
            await Task.Delay(250);
        }
        server.Dispose();
        throw new TimeoutException($"the lab did not answer within the time limit:\n{server.Log}");
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (log)
            {
                log.AppendLine(line);
            }
        }
    }

    /// <summary>Ends the process at once, as a crash or `kill -9` would: no graceful shutdown.</summary>
    public void Kill()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(10_000);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public void Dispose()
    {
        Kill();
        process.Dispose();
    }
}
