using System.Runtime.CompilerServices;
using Cqil.Lab.Core.Runtime;

namespace Cqil.Lab.Tests.Fixtures;

internal static class TestStartup
{
    // The native environment (OMP_WAIT_POLICY) must be set before any test touches libtorch.
#pragma warning disable CA2255 // a test assembly is an application entry point in all but name
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Initialize() => TorchRuntime.EnsureInitialized();
}
