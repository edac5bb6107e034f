using System.Security.Cryptography;
using System.Text;

namespace Cqil.Lab.Core.Access;

/// <summary>
/// Personal API tokens: 32 random bytes, shown to their owner once as "cqil_" + base64url, and stored only as
/// their SHA-256. A fast unsalted hash is enough here (unlike passwords): a token has 256 bits of entropy, so the
/// stored hash cannot be reversed by guessing, and lookup by hash stays one indexed query per request.
/// </summary>
public static class ApiTokens
{
    public const string Prefix = "cqil_";

    /// <summary>Characters of the token kept in clear beside the hash so a user can tell their tokens apart.</summary>
    public const int VisibleLength = 12;

    public sealed record NewToken(string Secret, string Hash, string Hint);

    public static NewToken Create()
    {
        string secret = Prefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        return new NewToken(secret, Hash(secret), secret[..VisibleLength] + "…");
    }

    /// <summary>The stored form of a token: lower-case hex SHA-256 of its UTF-8 text.</summary>
    public static string Hash(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    /// <summary>Cheap shape check before any database lookup.</summary>
    public static bool LooksLikeToken(string? text) =>
        text is { Length: > 20 and < 200 } && text.StartsWith(Prefix, StringComparison.Ordinal) && text.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-');
}
