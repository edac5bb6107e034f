using Cqil.Lab.Core.Cqil;
using Cqil.Lab.Core.Latency;

namespace Cqil.Lab.Tests.Latency;

public sealed class LatencyProjectionTests
{
    [Fact]
    public void All_reduce_cost_follows_the_ring_formula()
    {
        var link = new InterconnectModel("test", 100, 5, "");
        // P=4: 2·3 = 6 steps of 5 µs, and 6/4 of 1 MB at 100 GB/s = 0.015 ms.
        Assert.Equal(6 * 0.005 + 1.5 * 1e6 / 100e9 * 1000, link.AllReduceMs(1e6, 4), 12);
        Assert.Equal(0, link.AllReduceMs(1e6, 1));
    }

    [Fact]
    public void Authors_llama7b_plans_remove_28_1_and_37_5_percent_of_sequential_layer_steps()
    {
        // The CQIL authors' LLaMA-7B configurations; they measured 26.2% and 37.4% lower latency on A100s with NVLink.
        var p2 = GroupPlan.FromSep(32, 12, 30, 2);
        var p4 = GroupPlan.FromSep(32, 14, 30, 4);
        Assert.Equal((23, 0.28125), (p2.SequentialDepth, p2.IdealReduction));
        Assert.Equal((20, 0.375), (p4.SequentialDepth, p4.IdealReduction));

        // Documented example (README): with an assumed A100 LLaMA-7B layer time of 0.60 ms and 0.40 ms outside
        // the stack for a short prompt, the ideal and NVLink-projected reductions bracket the authors' measurements.
        var t = new PhaseTimings(NonLayerMs: 0.40, LayerMs: 0.60, GroupMs: new Dictionary<int, double>());
        double bytes = LatencyProjection.UpdateBytes(1, 32, 4096, 2);
        double sequential = t.Sequential(32);
        double p2Ideal = 1 - LatencyProjection.Ideal(p2, t) / sequential;
        double p2Nvlink = 1 - LatencyProjection.OnDevices(p2, t, InterconnectModel.NvLink, bytes) / sequential;
        double p4Nvlink = 1 - LatencyProjection.OnDevices(p4, t, InterconnectModel.NvLink, bytes) / sequential;
        Assert.Equal(5.4 / 19.6, p2Ideal, 12);  // 28.1% of layer steps is 27.6% of the whole forward here
        Assert.InRange(p2Nvlink, 0.262, p2Ideal);
        Assert.InRange(p4Nvlink, 0.35, 0.375);
    }

    [Fact]
    public void Calibrated_projection_sums_measured_unit_times_and_needs_every_group_size()
    {
        var plan = GroupPlan.FromCompleteGroups(6, [[0], [1, 2], [3, 4, 5]]);
        var t = new PhaseTimings(1.0, 2.0, new Dictionary<int, double> { [2] = 3.0, [3] = 3.5 });
        Assert.Equal(1.0 + 2.0 + 3.0 + 3.5, LatencyProjection.Calibrated(plan, t));
        Assert.Null(LatencyProjection.Calibrated(plan, t with { GroupMs = new Dictionary<int, double> { [2] = 3.0 } }));
        // A pass with groups pays the start cost once, however many groups it has; a plan without groups never.
        Assert.Equal(1.0 + 2.0 + 3.0 + 3.5 + 0.25, LatencyProjection.Calibrated(plan, t with { GroupStartMs = 0.25 }));
        Assert.Equal(1.0 + 6 * 2.0, LatencyProjection.Calibrated(GroupPlan.Baseline(6), t with { GroupStartMs = 0.25 }));
        Assert.Equal(1.0 + 3 * 2.0, LatencyProjection.Ideal(plan, t));
    }
}
