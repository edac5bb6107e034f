namespace Cqil.Lab.Core.Latency;

/// <summary>
/// How fast group members exchange their updates: a per-message latency and a bandwidth, used for the ring
/// all-reduce of one [batch, tokens, hidden] update tensor per multi-layer group (2(P−1) messages of 1/P of
/// the bytes each way).
/// </summary>
public sealed record InterconnectModel(string Name, double BandwidthGBps, double LatencyMicroseconds, string Note)
{
    /// <summary>A100-class NVLink 3: ~300 GB/s per direction; ~10 µs per NCCL step for small messages (assumed, not measured here).</summary>
    public static InterconnectModel NvLink { get; } = new("nvlink", 300, 10, "assumed: A100 NVLink 3, 300 GB/s per direction, 10 µs per step");

    /// <summary>PCIe 4.0 x16 through the host: ~25 GB/s effective, ~15 µs per step (assumed, not measured here).</summary>
    public static InterconnectModel Pcie4 { get; } = new("pcie4", 25, 15, "assumed: PCIe 4.0 x16, 25 GB/s effective, 15 µs per step");

    public static IReadOnlyList<InterconnectModel> Presets { get; } = [NvLink, Pcie4];

    public static InterconnectModel Parse(string name) => Presets.FirstOrDefault(p => p.Name == name.Trim().ToLowerInvariant())
        ?? throw new InvalidInputException($"interconnect '{name}': expected {string.Join(", ", Presets.Select(p => p.Name))}");

    /// <summary>Milliseconds to all-reduce <paramref name="bytes"/> across <paramref name="devices"/> devices (0 for one).</summary>
    public double AllReduceMs(double bytes, int devices)
    {
        if (devices <= 1)
        {
            return 0;
        }
        double steps = 2.0 * (devices - 1);
        return steps * LatencyMicroseconds / 1000 + steps / devices * bytes / (BandwidthGBps * 1e9) * 1000;
    }
}
