using Cqil.Lab.Core.Model;

namespace Cqil.Lab.Core.Cqil.Execution;

/// <summary>Creates the executor for a mode.</summary>
public static class PlanExecutors
{
    public static PlanExecutor Create(LlamaModel model, GroupPlan plan, ExecutionMode mode, ConcurrentOptions? concurrent = null) => mode switch
    {
        ExecutionMode.Reference => new ReferenceExecutor(model, plan),
        ExecutionMode.Fused => new FusedExecutor(model, plan),
        ExecutionMode.Concurrent => new ConcurrentExecutor(model, plan, concurrent),
        _ => throw new ArgumentOutOfRangeException(nameof(mode)),
    };
}
