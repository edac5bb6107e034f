using Cqil.Lab.Core.Runtime;
using static TorchSharp.torch;

namespace Cqil.Lab.Core.Cqil.Execution;

/// <summary>
/// A thread that computes one position of a CQIL group. It is pinned to its own CPU and, during a forward
/// pass, spin-waits for work instead of sleeping: a group's layers take well under a millisecond in decode,
/// so an OS wake-up (and the risk of being woken on the busy core) would eat the gain. Between passes it
/// sleeps. Results come back detached; the caller disposes them.
/// </summary>
internal sealed class GroupWorker : IDisposable
{
    private const int Idle = 0, Posted = 1, Done = 2;

    private readonly Thread thread;
    private readonly SemaphoreSlim wake = new(0);
    private readonly int cpu;
    private readonly int threads;
    private volatile bool spinning;
    private volatile bool stopping;
    private int state;
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

    /// <summary>Starts spin-waiting (call when a forward pass begins).</summary>
    public void BeginSession()
    {
        spinning = true;
        wake.Release();
    }

    /// <summary>Goes back to sleeping between jobs.</summary>
    public void EndSession() => spinning = false;

    public void Post(Func<Tensor> work)
    {
        job = work;
        Volatile.Write(ref state, Posted);
        if (!spinning)
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
            spin.SpinOnce(sleep1Threshold: -1);
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
            }
            else if (spinning)
            {
                Thread.SpinWait(20);
            }
            else
            {
                wake.Wait(50);
            }
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
