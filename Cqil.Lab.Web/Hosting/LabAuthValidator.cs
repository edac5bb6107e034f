using Cqil.Lab.Web.Accounts;
using Microsoft.Extensions.Configuration.Json;
using Microsoft.Extensions.Options;

namespace Cqil.Lab.Web.Hosting;

/// <summary>
/// Checks "Lab:Auth" and "Lab:Limits" at startup: a known mode; single-user only on loopback addresses; an admin
/// name that is a valid account name; no admin password in an appsettings*.json file (it would be committed);
/// limits that are positive.
/// </summary>
public sealed class LabAuthValidator(IConfiguration configuration) : IValidateOptions<LabOptions>
{
    public const string PasswordKey = "Lab:Auth:Admin:Password";

    public ValidateOptionsResult Validate(string? name, LabOptions options)
    {
        var failures = new List<string>();
        var auth = options.Auth;
        string mode = auth.Mode?.Trim().ToLowerInvariant() ?? "";
        if (mode is not (LabAuthOptions.Accounts or LabAuthOptions.SingleUser))
        {
            failures.Add($"Lab:Auth:Mode '{auth.Mode}': expected {LabAuthOptions.Accounts} or {LabAuthOptions.SingleUser}");
        }
        if (auth.IsSingleUser && SingleUserGuard.NonLoopbackAddresses(configuration) is { Count: > 0 } outside)
        {
            failures.Add($"Lab:Auth:Mode is single-user but the lab would listen on {string.Join(", ", outside)}: {SingleUserGuard.Advice}");
        }
        if (!AccountNames.IsValid(auth.Admin.User))
        {
            failures.Add($"Lab:Auth:Admin:User '{auth.Admin.User}': {AccountNames.Rule}");
        }
        if (auth.Admin.Password is { Length: > 0 and < LabAccounts.MinPasswordLength })
        {
            failures.Add($"{PasswordKey} needs at least {LabAccounts.MinPasswordLength} characters");
        }
        if (configuration is IConfigurationRoot root
            && root.Providers.OfType<JsonConfigurationProvider>().Any(p => p.TryGet(PasswordKey, out var v) && !string.IsNullOrEmpty(v)))
        {
            failures.Add($"{PasswordKey} is set in an appsettings file; give it in the environment (Lab__Auth__Admin__Password) or on the command line instead");
        }
        if (auth.SessionHours < 1)
        {
            failures.Add($"Lab:Auth:SessionHours must be at least 1, got {auth.SessionHours}");
        }
        if (auth.MaxTokenDays < 0)
        {
            failures.Add($"Lab:Auth:MaxTokenDays must be >= 0 (0: no expiry), got {auth.MaxTokenDays}");
        }
        var limits = options.Limits;
        if (limits.QueuedJobsPerUser < 1)
        {
            failures.Add($"Lab:Limits:QueuedJobsPerUser must be at least 1, got {limits.QueuedJobsPerUser}");
        }
        if (limits.TokensPerJob < 1)
        {
            failures.Add($"Lab:Limits:TokensPerJob must be at least 1, got {limits.TokensPerJob}");
        }
        if (limits.SamplesPerAnalysis < 1)
        {
            failures.Add($"Lab:Limits:SamplesPerAnalysis must be at least 1, got {limits.SamplesPerAnalysis}");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
