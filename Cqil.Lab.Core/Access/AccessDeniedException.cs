namespace Cqil.Lab.Core.Access;

/// <summary>A signed-in caller asked for something their role does not allow. The message says what and why (HTTP 403).</summary>
public sealed class AccessDeniedException(string message) : Exception(message);
