using Bunit;
using MudBlazor.Services;

namespace Cqil.Lab.Tests.Fixtures;

/// <summary>
/// A bUnit context with MudBlazor's services and loose JS interop. MudBlazor's services are
/// IAsyncDisposable, so xunit must dispose the context asynchronously.
/// </summary>
public abstract class LabBunitContext : BunitContext, IAsyncLifetime
{
    protected LabBunitContext()
    {
        JSInterop.Mode = JSRuntimeMode.Loose;
        Services.AddMudServices();
    }

    private readonly List<IDisposable> owned = [];

    /// <summary>Disposes <paramref name="resource"/> with the context (temp folders and the like).</summary>
    protected T Own<T>(T resource) where T : IDisposable
    {
        owned.Add(resource);
        return resource;
    }

    public Task InitializeAsync() => Task.CompletedTask;

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        owned.ForEach(o => o.Dispose());
    }
}
