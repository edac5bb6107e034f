using static TorchSharp.torch;

namespace Cqil.Lab.Core.Cqil.Execution;

/// <summary>
/// Where the concurrent executor runs a group's layers. Position k in a group (k = 0..P−1) runs on worker k,
/// which works on <see cref="Devices"/>[k mod count] with <see cref="ThreadsPerWorker"/> libtorch threads.
/// On a CPU every device is the CPU and workers are threads; on a multi-GPU box list one CUDA device per
/// position and each layer's weights move to its device.
/// </summary>
public sealed record ConcurrentOptions
{
    public IReadOnlyList<Device> Devices { get; init; } = [];

    /// <summary>libtorch threads per worker; 0 = the machine's cores divided among the largest group's workers.</summary>
    public int ThreadsPerWorker { get; init; }

    /// <summary>The device layer <paramref name="layer"/> runs on under <paramref name="plan"/>.</summary>
    public Device DeviceOf(GroupPlan plan, int layer, Device home)
    {
        var group = plan.GroupOf(layer);
        if (group.IsSingleton || Devices.Count == 0)
        {
            return home;
        }
        return Devices[(layer - group.Start) % Devices.Count];
    }

    /// <summary>The explicit layer → device placement of a plan, for reports.</summary>
    public IReadOnlyList<string> Placement(GroupPlan plan, Device home) =>
        Enumerable.Range(0, plan.LayerCount).Select(l => DeviceOf(plan, l, home).ToString()).ToArray();
}
