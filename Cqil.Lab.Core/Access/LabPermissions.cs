namespace Cqil.Lab.Core.Access;

/// <summary>
/// The lab's authorization rules in one place, so pages and the HTTP API refuse the same things with the same
/// messages: viewers see results; researchers start jobs and manage their own plans, runs and jobs; admins
/// also cancel or reorder anyone's jobs, delete anyone's plans and manage accounts.
/// </summary>
public static class LabPermissions
{
    public static bool CanStartJobs(LabCaller caller) => caller.Role >= LabRole.Researcher;

    public static bool CanSavePlans(LabCaller caller) => caller.Role >= LabRole.Researcher;

    /// <summary>Cancel a job or delete a plan: its owner (a researcher or admin) or any admin.</summary>
    public static bool CanManage(LabCaller caller, string owner) =>
        caller.Role == LabRole.Admin || (caller.Role >= LabRole.Researcher && string.Equals(caller.Name, owner, StringComparison.Ordinal));

    public static bool CanReorder(LabCaller caller) => caller.Role == LabRole.Admin;

    public static bool CanManageAccounts(LabCaller caller) => caller.Role == LabRole.Admin;

    public static void DemandStartJobs(LabCaller caller)
    {
        if (!CanStartJobs(caller))
        {
            throw new AccessDeniedException($"{caller.Name} is a {LabRoles.Name(caller.Role)}: starting jobs needs the researcher role");
        }
    }

    public static void DemandSavePlans(LabCaller caller)
    {
        if (!CanSavePlans(caller))
        {
            throw new AccessDeniedException($"{caller.Name} is a {LabRoles.Name(caller.Role)}: saving plans needs the researcher role");
        }
    }

    /// <param name="what">"job 1234…", "plan 'mid'": named in the message.</param>
    public static void DemandManage(LabCaller caller, string owner, string what)
    {
        if (!CanManage(caller, owner))
        {
            throw new AccessDeniedException(caller.Role >= LabRole.Researcher
                ? $"{what} belongs to {owner}: only its owner or an admin may change it"
                : $"{caller.Name} is a {LabRoles.Name(caller.Role)}: changing {what} needs the researcher role and ownership, or the admin role");
        }
    }

    public static void DemandReorder(LabCaller caller)
    {
        if (!CanReorder(caller))
        {
            throw new AccessDeniedException("only an admin may reorder the queue");
        }
    }

    public static void DemandManageAccounts(LabCaller caller)
    {
        if (!CanManageAccounts(caller))
        {
            throw new AccessDeniedException("only an admin may manage accounts");
        }
    }
}
