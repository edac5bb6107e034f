using Cqil.Lab.Core;
using Cqil.Lab.Core.Access;
using Cqil.Lab.Core.Jobs;

namespace Cqil.Lab.Web.Hosting;

/// <summary>The refusals a page shows as a message (the API answers them 400, 403 and 429): bad input, a role that does not allow it, a full queue.</summary>
public static class LabRefusals
{
    public static bool Is(Exception e) => e is InvalidInputException or AccessDeniedException or QueueLimitException;
}
