namespace Cqil.Lab.Web.Hosting;

/// <summary>The "Lab:Auth" settings: how people sign in.</summary>
public sealed class LabAuthOptions
{
    public const string Accounts = "accounts";
    public const string SingleUser = "single-user";

    /// <summary>
    /// "accounts": everyone signs in (browser: user name and password; scripts: a personal API token).
    /// "single-user": no sign-in, every request is the local admin — allowed only while the lab listens on
    /// loopback addresses, and requests from elsewhere are refused anyway.
    /// </summary>
    public string Mode { get; set; } = Accounts;

    /// <summary>The first administrator, created on a start that finds no admin account.</summary>
    public LabAdminOptions Admin { get; set; } = new();

    /// <summary>How long a browser sign-in lasts without use (sliding).</summary>
    public int SessionHours { get; set; } = 12;

    /// <summary>Longest lifetime of an API token, in days (0: tokens do not expire).</summary>
    public int MaxTokenDays { get; set; } = 365;

    public bool IsSingleUser => string.Equals(Mode?.Trim(), SingleUser, StringComparison.OrdinalIgnoreCase);
}

/// <summary>
/// The first administrator's name and password. The password is read from configuration only so it can come from
/// the environment (Lab__Auth__Admin__Password) or the command line; one found in an appsettings*.json file stops
/// the start. Without a password the lab makes a one-time password and prints it in its log.
/// </summary>
public sealed class LabAdminOptions
{
    public string User { get; set; } = "admin";

    public string? Password { get; set; }
}
