using Cqil.Lab.Core;
using Cqil.Lab.Core.Access;
using Microsoft.EntityFrameworkCore;

namespace Cqil.Lab.Web.Data;

/// <summary>Personal API tokens: made by their owner (the secret is returned once), listed without secrets, revoked, looked up by hash.</summary>
public sealed class ApiTokenStore(IDbContextFactory<LabDbContext> factory)
{
    public const int MaxTokensPerAccount = 20;

    /// <summary>Makes a token for <paramref name="account"/>; the returned secret is never stored or shown again.</summary>
    public async Task<(ApiTokenRecord Token, string Secret)> CreateAsync(LabAccount account, string? name, int? days, int maxDays)
    {
        name = string.IsNullOrWhiteSpace(name) ? "token" : name.Trim();
        if (name.Length > 80)
        {
            throw new InvalidInputException("a token name has at most 80 characters");
        }
        if (days is < 1)
        {
            throw new InvalidInputException($"a token lasts at least one day, got {days}");
        }
        if (maxDays > 0 && (days ?? maxDays) > maxDays)
        {
            throw new InvalidInputException($"a token lasts at most {maxDays} days on this lab (Lab:Auth:MaxTokenDays), got {days}");
        }
        int? lifetime = days ?? (maxDays > 0 ? maxDays : null);
        await using var db = await factory.CreateDbContextAsync();
        var now = DateTime.UtcNow;
        int active = await db.ApiTokens.CountAsync(t => t.AccountId == account.Id && t.RevokedUtc == null && (t.ExpiresUtc == null || t.ExpiresUtc > now));
        if (active >= MaxTokensPerAccount)
        {
            throw new InvalidInputException($"{account.UserName} already has {active} active tokens (at most {MaxTokensPerAccount}); revoke one first");
        }
        var made = ApiTokens.Create();
        var record = new ApiTokenRecord
        {
            Id = Guid.NewGuid(),
            AccountId = account.Id,
            UserName = account.UserName!,
            Name = name,
            Hash = made.Hash,
            Hint = made.Hint,
            CreatedUtc = now,
            ExpiresUtc = lifetime is int d ? now.AddDays(d) : null,
        };
        db.ApiTokens.Add(record);
        await db.SaveChangesAsync();
        return (record, made.Secret);
    }

    /// <summary>An account's tokens, newest first (revoked and expired ones included, marked by their dates).</summary>
    public async Task<IReadOnlyList<ApiTokenRecord>> ListAsync(string accountId)
    {
        await using var db = await factory.CreateDbContextAsync();
        return await db.ApiTokens.AsNoTracking().Where(t => t.AccountId == accountId).OrderByDescending(t => t.CreatedUtc).ToListAsync();
    }

    public async Task<ApiTokenRecord?> GetAsync(Guid id)
    {
        await using var db = await factory.CreateDbContextAsync();
        return await db.ApiTokens.AsNoTracking().FirstOrDefaultAsync(t => t.Id == id);
    }

    /// <summary>Revokes a token at once; false when it does not exist or was already revoked.</summary>
    public async Task<bool> RevokeAsync(Guid id)
    {
        await using var db = await factory.CreateDbContextAsync();
        var now = DateTime.UtcNow;
        return await db.ApiTokens.Where(t => t.Id == id && t.RevokedUtc == null).ExecuteUpdateAsync(s => s.SetProperty(t => t.RevokedUtc, now)) > 0;
    }

    /// <summary>Revokes every token of an account (it was deleted or demoted).</summary>
    public async Task RevokeAllAsync(string accountId)
    {
        await using var db = await factory.CreateDbContextAsync();
        var now = DateTime.UtcNow;
        await db.ApiTokens.Where(t => t.AccountId == accountId && t.RevokedUtc == null).ExecuteUpdateAsync(s => s.SetProperty(t => t.RevokedUtc, now));
    }

    /// <summary>The active token with this secret and its account; null for anything else (unknown, revoked, expired, account gone).</summary>
    public async Task<(ApiTokenRecord Token, LabAccount Account)?> FindActiveAsync(string secret)
    {
        if (!ApiTokens.LooksLikeToken(secret))
        {
            return null;
        }
        string hash = ApiTokens.Hash(secret);
        await using var db = await factory.CreateDbContextAsync();
        var token = await db.ApiTokens.FirstOrDefaultAsync(t => t.Hash == hash);
        var now = DateTime.UtcNow;
        if (token is null || !token.IsActive(now))
        {
            return null;
        }
        var account = await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.Id == token.AccountId);
        if (account is null || (account.LockoutEnd is { } end && end > DateTimeOffset.UtcNow))
        {
            return null;
        }
        // Last use is kept to the minute: enough to spot stale tokens without a write per request.
        if (token.LastUsedUtc is null || now - token.LastUsedUtc > TimeSpan.FromMinutes(1))
        {
            token.LastUsedUtc = now;
            await db.SaveChangesAsync();
        }
        return (token, account);
    }
}
