using Cqil.Lab.Core.Latency;

namespace Cqil.Lab.Core.Jobs;

/// <summary>
/// One plan's latency measurement in full (every runner and thread count, the projection), beside the
/// summary's percentile cells: what a researcher reads to judge how a number was obtained.
/// </summary>
public sealed record LatencyStudy(string PlanName, Guid? PlanId, LatencyReport Report);
