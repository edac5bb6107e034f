using System.Security.Cryptography;
using Cqil.Lab.Core;
using Cqil.Lab.Core.Access;
using Cqil.Lab.Web.Data;
using Cqil.Lab.Web.Hosting;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace Cqil.Lab.Web.Accounts;

/// <summary>
/// Account management over ASP.NET Core Identity, with the lab's rules: only admins create, re-role or delete
/// accounts; the last admin cannot be demoted or deleted; a changed role or deleted account takes effect at once
/// for API tokens and within a minute for signed-in browsers (the security stamp changes). Scoped, like Identity's
/// UserManager.
/// </summary>
public sealed class LabAccounts(UserManager<LabAccount> users, ApiTokenStore tokens)
{
    public const int MinPasswordLength = 10;

    public async Task<IReadOnlyList<LabAccount>> ListAsync() =>
        await users.Users.AsNoTracking().OrderBy(u => u.UserName).ToListAsync();

    public Task<LabAccount?> FindAsync(string name) => users.FindByNameAsync(name);

    public async Task<LabAccount> CreateAsync(LabCaller caller, string? name, string? role, string? password)
    {
        LabPermissions.DemandManageAccounts(caller);
        return await CreateUncheckedAsync(name, LabRoles.Parse(role ?? "viewer"), password);
    }

    public async Task<LabAccount> SetRoleAsync(LabCaller caller, string name, string? role)
    {
        LabPermissions.DemandManageAccounts(caller);
        var account = await Existing(name);
        var newRole = LabRoles.Parse(role);
        if (account.Role == LabRoles.Name(LabRole.Admin) && newRole != LabRole.Admin && await AdminCountAsync() <= 1)
        {
            throw new InvalidInputException($"{name} is the last admin; make another admin first");
        }
        account.Role = LabRoles.Name(newRole);
        Check(await users.UpdateAsync(account), name);
        Check(await users.UpdateSecurityStampAsync(account), name);
        return account;
    }

    public async Task DeleteAsync(LabCaller caller, string name)
    {
        LabPermissions.DemandManageAccounts(caller);
        var account = await Existing(name);
        if (account.Role == LabRoles.Name(LabRole.Admin) && await AdminCountAsync() <= 1)
        {
            throw new InvalidInputException($"{name} is the last admin and cannot be deleted");
        }
        await tokens.RevokeAllAsync(account.Id);
        Check(await users.DeleteAsync(account), name);
    }

    /// <summary>An admin sets a new password for an account (a forgotten one).</summary>
    public async Task ResetPasswordAsync(LabCaller caller, string name, string? password)
    {
        LabPermissions.DemandManageAccounts(caller);
        var account = await Existing(name);
        CheckPasswordGiven(password);
        Check(await users.RemovePasswordAsync(account), name);
        Check(await users.AddPasswordAsync(account, password!), name);
    }

    /// <summary>The signed-in user changes their own password.</summary>
    public async Task ChangePasswordAsync(LabCaller caller, string? current, string? password)
    {
        var account = await Existing(caller.Name);
        CheckPasswordGiven(password);
        Check(await users.ChangePasswordAsync(account, current ?? "", password!), caller.Name);
    }

    /// <summary>
    /// On start: when no admin account exists, makes <see cref="LabAdminOptions.User"/> one, with the configured
    /// password or, without one, a one-time password that is returned so the caller can print it once.
    /// </summary>
    public async Task<string?> EnsureFirstAdminAsync(LabAdminOptions options)
    {
        if (await AdminCountAsync() > 0)
        {
            return null;
        }
        string? generated = null;
        string password = options.Password is { Length: > 0 } p ? p : generated = Convert.ToBase64String(RandomNumberGenerator.GetBytes(15)).Replace('+', '-').Replace('/', '_');
        if (await users.FindByNameAsync(options.User) is { } existing)
        {
            // An account of that name exists without the role: it becomes the admin and keeps its password.
            existing.Role = LabRoles.Name(LabRole.Admin);
            Check(await users.UpdateAsync(existing), options.User);
            return null;
        }
        await CreateUncheckedAsync(options.User, LabRole.Admin, password);
        return generated;
    }

    private async Task<LabAccount> CreateUncheckedAsync(string? name, LabRole role, string? password)
    {
        name = name?.Trim() ?? "";
        if (!AccountNames.IsValid(name))
        {
            throw new InvalidInputException($"user name '{name}': {AccountNames.Rule}");
        }
        if (await users.FindByNameAsync(name) is not null)
        {
            throw new InvalidInputException($"an account named {name} already exists");
        }
        CheckPasswordGiven(password);
        var account = new LabAccount { UserName = name, Role = LabRoles.Name(role), CreatedUtc = DateTime.UtcNow };
        Check(await users.CreateAsync(account, password!), name);
        return account;
    }

    private async Task<LabAccount> Existing(string name) =>
        await users.FindByNameAsync(name) ?? throw new InvalidInputException($"no account named {name}");

    private Task<int> AdminCountAsync()
    {
        string admin = LabRoles.Name(LabRole.Admin);
        return users.Users.CountAsync(u => u.Role == admin);
    }

    private static void CheckPasswordGiven(string? password)
    {
        if (string.IsNullOrEmpty(password) || password.Length < MinPasswordLength)
        {
            throw new InvalidInputException($"a password needs at least {MinPasswordLength} characters");
        }
    }

    private static void Check(IdentityResult result, string name)
    {
        if (!result.Succeeded)
        {
            throw new InvalidInputException($"{name}: {string.Join("; ", result.Errors.Select(e => e.Description))}");
        }
    }
}

/// <summary>Account names: they are recorded as owners and shown everywhere, so they stay short and plain.</summary>
public static class AccountNames
{
    public const string Characters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._@-";
    public const string Rule = "1 to 40 letters, digits, '.', '_', '@' or '-'";

    public static bool IsValid(string? name) => name is { Length: >= 1 and <= 40 } && name.All(Characters.Contains);
}
