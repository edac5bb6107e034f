using TorchSharp;

namespace Cqil.Lab.Core.Runtime;

/// <summary>
/// One entry point that prepares the native environment and loads libtorch, so every front end (CLI, web,
/// tests) fails the same clear way when the native library cannot load.
/// </summary>
public static class TorchRuntime
{
    private static readonly Lazy<string> Loaded = new(Load, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Configures the native environment, then loads libtorch. Returns the libtorch version.</summary>
    public static string EnsureInitialized() => Loaded.Value;

    private static string Load()
    {
        NativeEnvironment.Configure();
        try
        {
            torch.InitializeDeviceType(DeviceType.CPU);
            return torch.__version__;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new InvalidOperationException(
                "libtorch could not be loaded (" + e.Message + "). On Debian 12 the build patches " +
                "libLibTorchSharp.so after every build; rebuild the project, and check `ldd` on that file.", e);
        }
    }

    /// <summary>
    /// TorchSharp's libtorch version, and the library's path when it came from outside the app (a PyTorch install
    /// on LD_LIBRARY_PATH, `-p:TorchBackend=external`): the version TorchSharp reports is the one it was built for,
    /// not necessarily the one that runs.
    /// </summary>
    public static string LibtorchDescription()
    {
        string version = EnsureInitialized();
        string? path = NativeEnvironment.LoadedLibtorchPath();
        return path is null || path.StartsWith(AppContext.BaseDirectory, StringComparison.Ordinal)
            ? version
            : $"{version} (TorchSharp's build; running {path})";
    }

    /// <summary>Parses "cpu", "cuda" or "cuda:N" into a device, with a clear message for anything else.</summary>
    public static torch.Device ParseDevice(string text)
    {
        EnsureInitialized();
        string t = text.Trim().ToLowerInvariant();
        if (t == "cpu")
        {
            return torch.CPU;
        }
        if (t == "cuda" || t.StartsWith("cuda:", StringComparison.Ordinal))
        {
            int index = 0;
            if (t.Length > 4 && !int.TryParse(t.AsSpan(5), out index))
            {
                throw new InvalidInputException($"device '{text}': expected cpu, cuda or cuda:N");
            }
            if (!torch.cuda.is_available())
            {
                throw new InvalidInputException($"device '{text}': CUDA is not available in this build or on this machine{CudaLoadTrace()} " +
                    "(build with -p:TorchBackend=cuda on a GPU box, or -p:TorchBackend=external with a PyTorch install's lib folder on LD_LIBRARY_PATH)");
            }
            if (index < 0 || index >= torch.cuda.device_count())
            {
                throw new InvalidInputException($"device '{text}': only {torch.cuda.device_count()} CUDA device(s) present");
            }
            return new torch.Device(DeviceType.CUDA, index);
        }
        throw new InvalidInputException($"device '{text}': expected cpu, cuda or cuda:N");
    }

    /// <summary>
    /// Why CUDA did not come up, as the loader tells it: TorchSharp only reports false when libtorch_cuda fails to
    /// load, so load it here for the message (a missing CUDA runtime, a symbol of another libtorch version).
    /// </summary>
    private static string CudaLoadTrace()
    {
        if (!OperatingSystem.IsLinux())
        {
            return "";
        }
        try
        {
            System.Runtime.InteropServices.NativeLibrary.Free(System.Runtime.InteropServices.NativeLibrary.Load("libtorch_cuda.so"));
            return "; libtorch_cuda.so loads, but libtorch reports no usable GPU (check nvidia-smi and the driver)";
        }
        catch (DllNotFoundException e)
        {
            // .NET's message wraps the loader's (dlerror) in advice about strace; keep the loader's words.
            const string Marker = "environment variable:";
            string message = e.Message;
            int at = message.LastIndexOf(Marker, StringComparison.Ordinal);
            return "; loading libtorch_cuda.so: " + (at >= 0 ? message[(at + Marker.Length)..] : message).ReplaceLineEndings(" ").Trim();
        }
    }

    /// <summary>Waits for queued device work so a clock read afterwards measures finished work.</summary>
    public static void Synchronize(torch.Device device)
    {
        if (device.type == DeviceType.CUDA)
        {
            torch.cuda.synchronize(device);
        }
    }
}
