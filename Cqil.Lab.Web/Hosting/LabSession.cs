using Cqil.Lab.Core.Access;
using Cqil.Lab.Core.Cqil;

namespace Cqil.Lab.Web.Hosting;

/// <summary>
/// One browser tab's working state, shared by its pages: who is signed in, the model being studied and the plan
/// being built (drawn over the heatmap, preselected for runs and the playground). Scoped to the circuit.
/// </summary>
public sealed class LabSession
{
    /// <summary>The signed-in caller (set from the authentication state when the tab connects, and when it changes).</summary>
    public LabCaller Caller { get; set; } = new("anonymous", LabRole.Viewer);

    public bool CanStartJobs => LabPermissions.CanStartJobs(Caller);

    public string? ModelPath { get; private set; }

    /// <summary>The compute dtype new jobs use (f32, bf16 or f16): bf16 halves a large model's memory on a GPU.</summary>
    public string Dtype { get; private set; } = "f32";

    /// <summary>The plan in the editor (null: none yet); kept per model layer count.</summary>
    public PlanDocument? CurrentPlan { get; private set; }

    public event Action? Changed;

    public void SelectModel(string? path)
    {
        if (path != ModelPath)
        {
            ModelPath = path;
            Changed?.Invoke();
        }
    }

    public void SelectDtype(string dtype)
    {
        if (dtype != Dtype)
        {
            Dtype = dtype;
            Changed?.Invoke();
        }
    }

    public void SetPlan(PlanDocument? plan)
    {
        CurrentPlan = plan;
        Changed?.Invoke();
    }

    /// <summary>The current plan if it fits a model with <paramref name="layers"/> layers.</summary>
    public PlanDocument? PlanFor(int layers) => CurrentPlan is { } p && p.Plan.LayerCount == layers ? p : null;
}
