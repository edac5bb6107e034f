using Cqil.Lab.Core.Runtime;
using static TorchSharp.torch;

namespace Cqil.Lab.Core.Cqil.Execution;

/// <summary>
/// A thread that computes one position of a CQIL group. It is pinned to its own CPU and, during a forward
/// pass, spin-waits briefly for the next job instead of sleeping at once: a group's layers take well under a
/// millisecond in decode, so an OS wake-up (and the risk of being woken on the busy core) would eat the gain.
/// The spin is bounded, so on a loaded machine the worker gives its core back instead of burning it.
/// Results come back detached; the caller disposes them.
/// </summary>
internal sealed class GroupWorker : IDisposable
{
    private const int Idle = 0, Posted = 1, Done = 2;

    /// <summary>How long an idle worker spins before it sleeps.</summary>
    private static readonly TimeSpan SpinLimit = TimeSpan.FromMicroseconds(200);

    private readonly Thread thread;
    private readonly SemaphoreSlim wake = new(0);
    private readonly int cpu;
    private readonly int threads;
    private volatile bool spinning;
    private volatile bool stopping;
    private int state;
    private int sleeping;
    private Func<Tensor>? job;
    private Tensor? result;
    private Exception? failure;

    public GroupWorker(int cpu, int threads, string name)
    {
        this.cpu = cpu;
        this.threads = threads;
        thread = new Thread(Loop) { IsBackground = true, Name = name };
        thread.Start();
    }

    /// <summary>Allows brief spin-waiting between jobs (call when a forward pass begins).</summary>
    public void BeginSession() => spinning = true;

    /// <summary>Goes back to sleeping between jobs.</summary>
    public void EndSession() => spinning = false;

    public void Post(Func<Tensor> work)
    {
        job = work;
        Volatile.Write(ref state, Posted);
        if (Volatile.Read(ref sleeping) == 1)
        {
            wake.Release();
        }
    }

    /// <summary>Waits (spinning) for the posted job and returns its result or rethrows its failure.</summary>
    public Tensor Wait()
    {
        var spin = new SpinWait();
        while (Volatile.Read(ref state) != Done)
        {
            spin.SpinOnce(sleep1Threshold: -1); // yields the core when spinning long, but never sleeps a whole millisecond
        }
        Volatile.Write(ref state, Idle);
        var (r, e) = (result, failure);
        (result, failure, job) = (null, null, null);
        if (e is not null)
        {
            throw new AggregateException(e);
        }
        return r!;
    }

    private void Loop()
    {
        if (cpu >= 0)
        {
            CpuAffinity.SetCurrentThread([cpu]);
        }
        set_num_threads(threads);
        long idleSince = System.Diagnostics.Stopwatch.GetTimestamp();
        while (!stopping)
        {
            if (Volatile.Read(ref state) == Posted)
            {
                try
                {
                    result = job!();
                }
                catch (Exception e)
                {
                    failure = e;
                }
                Volatile.Write(ref state, Done);
                idleSince = System.Diagnostics.Stopwatch.GetTimestamp();
                continue;
            }
            if (spinning && System.Diagnostics.Stopwatch.GetElapsedTime(idleSince) < SpinLimit)
            {
                Thread.SpinWait(20);
                continue;
            }
            // Announce the sleep, then look once more: a job posted in between is not missed.
            Volatile.Write(ref sleeping, 1);
            if (Volatile.Read(ref state) != Posted && !stopping)
            {
                wake.Wait(50);
            }
            Volatile.Write(ref sleeping, 0);
            idleSince = System.Diagnostics.Stopwatch.GetTimestamp();
        }
    }

    public void Dispose()
    {
        stopping = true;
        wake.Release();
        thread.Join();
        wake.Dispose();
    }
}
