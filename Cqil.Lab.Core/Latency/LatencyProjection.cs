using Cqil.Lab.Core.Cqil;

namespace Cqil.Lab.Core.Latency;

/// <summary>
/// Predicts the latency of a plan from unit times. Ideal: one layer-time per group (P devices, free
/// exchange). On P devices linked by an interconnect: one layer-time per singleton, and per multi-layer group
/// the slowest member (a layer on its own device) plus the all-reduce of its update. On this machine: each
/// group costs what a group of its size was measured to cost in that mode (calibration), singletons a layer,
/// and a pass with groups pays the mode's start cost once.
/// </summary>
public static class LatencyProjection
{
    public static double Ideal(GroupPlan plan, PhaseTimings t) => t.NonLayerMs + plan.SequentialDepth * t.LayerMs;

    public static double OnDevices(GroupPlan plan, PhaseTimings t, InterconnectModel link, double updateBytes) =>
        t.NonLayerMs + plan.Groups.Sum(g => g.IsSingleton ? t.LayerMs : t.LayerMs + link.AllReduceMs(updateBytes, g.Count));

    /// <summary>Null when a group size of the plan was not calibrated.</summary>
    public static double? Calibrated(GroupPlan plan, PhaseTimings t)
    {
        double total = t.NonLayerMs + (plan.Groups.Any(g => !g.IsSingleton) ? t.GroupStartMs : 0);
        foreach (var g in plan.Groups)
        {
            if (g.IsSingleton)
            {
                total += t.LayerMs;
            }
            else if (t.GroupMs.TryGetValue(g.Count, out double ms))
            {
                total += ms;
            }
            else
            {
                return null;
            }
        }
        return total;
    }

    /// <summary>Bytes of one group's update exchanged per step: batch × tokens × hidden × element size.</summary>
    public static double UpdateBytes(int batch, int tokens, int hidden, int elementBytes) => (double)batch * tokens * hidden * elementBytes;
}

/// <summary>
/// One line of a projection table: a phase, a mode or interconnect, and its latencies side by side. Ideal and
/// predicted reductions are relative to the sequential time built from the same unit times; the measured
/// reduction is relative to the baseline measured beside the plan.
/// </summary>
public sealed record ProjectionRow(string Phase, string Setting, double SequentialMs, double IdealMs, double PredictedMs, double? MeasuredBaselineMs, double? MeasuredMs)
{
    public double IdealReduction => 1 - IdealMs / SequentialMs;
    public double PredictedReduction => 1 - PredictedMs / SequentialMs;
    public double? MeasuredReduction => MeasuredMs is double m && MeasuredBaselineMs is double b ? 1 - m / b : null;

    /// <summary>|predicted − measured| / measured, where measured.</summary>
    public double? Error => MeasuredMs is double m ? Math.Abs(PredictedMs - m) / m : null;
}

/// <summary>A projection table with the unit times it was computed from.</summary>
public sealed record ProjectionTable(string Plan, PhaseTimings Prefill, PhaseTimings Decode, IReadOnlyList<ProjectionRow> Rows, string Notes);
