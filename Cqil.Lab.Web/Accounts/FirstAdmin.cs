using Cqil.Lab.Web.Hosting;
using Microsoft.Extensions.Options;

namespace Cqil.Lab.Web.Accounts;

/// <summary>
/// On start (accounts mode): when the database has no admin, makes the configured one (Lab:Auth:Admin:User) with
/// the password from configuration — meant to come from the environment — or with a one-time password printed
/// here, once; its holder signs in and changes it on the Account page.
/// </summary>
public sealed class FirstAdmin(IServiceScopeFactory scopes, IOptions<LabOptions> options, ILogger<FirstAdmin> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var admin = options.Value.Auth.Admin;
        await using var scope = scopes.CreateAsyncScope();
        var accounts = scope.ServiceProvider.GetRequiredService<LabAccounts>();
        string? generated = await accounts.EnsureFirstAdminAsync(admin);
        if (generated is not null)
        {
            logger.LogWarning("No admin account existed: created '{User}' with the one-time password {Password} — sign in and change it on the Account page "
                + "(or set Lab__Auth__Admin__Password in the environment before the first start)", admin.User, generated);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
