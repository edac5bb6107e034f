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
                throw new InvalidInputException($"device '{text}': CUDA is not available in this build or on this machine (build with -p:TorchBackend=cuda on a GPU box)");
            }
            if (index < 0 || index >= torch.cuda.device_count())
            {
                throw new InvalidInputException($"device '{text}': only {torch.cuda.device_count()} CUDA device(s) present");
            }
            return new torch.Device(DeviceType.CUDA, index);
        }
        throw new InvalidInputException($"device '{text}': expected cpu, cuda or cuda:N");
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
