using System.Collections.Concurrent;
using TorchSharp;

namespace Cqil.Lab.Core.Runtime;

/// <summary>
/// A dedicated OS thread that runs all tensor work for one device. libtorch's thread count, grad mode and
/// TorchSharp's dispose scopes are per OS thread, so work must not hop between pool threads; callers post
/// work here and await the result.
/// </summary>
public sealed class DeviceWorker : IDisposable
{
    private readonly BlockingCollection<Action> queue = new();
    private readonly Thread thread;

    public DeviceWorker(torch.Device device, int threads, string name)
    {
        if (threads < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(threads), "a worker needs at least one thread");
        }
        TorchRuntime.EnsureInitialized();
        Device = device;
        Threads = threads;
        Name = name;
        thread = new Thread(Loop) { IsBackground = true, Name = name };
        thread.Start();
    }

    public torch.Device Device { get; }

    /// <summary>libtorch intra-op threads this worker uses.</summary>
    public int Threads { get; }

    public string Name { get; }

    public bool IsCurrentThread => Thread.CurrentThread == thread;

    /// <summary>Runs <paramref name="work"/> on the worker thread.</summary>
    public Task<T> RunAsync<T>(Func<T> work, CancellationToken cancellationToken = default)
    {
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (IsCurrentThread)
        {
            Execute(work, done, cancellationToken);
            return done.Task;
        }
        queue.Add(() => Execute(work, done, cancellationToken), CancellationToken.None);
        return done.Task;
    }

    public Task RunAsync(Action work, CancellationToken cancellationToken = default) =>
        RunAsync(() => { work(); return true; }, cancellationToken);

    /// <summary>Runs <paramref name="work"/> on the worker thread and blocks until it is done (inline when already there).</summary>
    public T Run<T>(Func<T> work) => IsCurrentThread ? work() : RunAsync(work).GetAwaiter().GetResult();

    public void Run(Action work) => Run(() => { work(); return true; });

    private static void Execute<T>(Func<T> work, TaskCompletionSource<T> done, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            done.TrySetCanceled(cancellationToken);
            return;
        }
        try
        {
            done.TrySetResult(work());
        }
        catch (OperationCanceledException e)
        {
            done.TrySetCanceled(e.CancellationToken);
        }
        catch (Exception e)
        {
            done.TrySetException(e);
        }
    }

    private void Loop()
    {
        torch.set_num_threads(Threads);
        foreach (var item in queue.GetConsumingEnumerable())
        {
            item();
        }
    }

    public void Dispose()
    {
        queue.CompleteAdding();
        if (!IsCurrentThread)
        {
            thread.Join();
        }
        queue.Dispose();
    }
}
