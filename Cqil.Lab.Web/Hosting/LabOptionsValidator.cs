using Microsoft.Extensions.Options;

namespace Cqil.Lab.Web.Hosting;

/// <summary>Checks the "Lab" settings at startup, so a typo fails the start with a message instead of a broken page later.</summary>
public sealed class LabOptionsValidator : IValidateOptions<LabOptions>
{
    public ValidateOptionsResult Validate(string? name, LabOptions options)
    {
        var failures = new List<string>();
        for (int i = 0; i < options.ModelRoots.Length; i++)
        {
            string root = options.ModelRoots[i];
            if (string.IsNullOrWhiteSpace(root))
            {
                failures.Add($"Lab:ModelRoots:{i} is empty");
            }
            else if (root.IndexOfAny(Path.GetInvalidPathChars()) >= 0)
            {
                failures.Add($"Lab:ModelRoots:{i} ('{root}') is not a valid path");
            }
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
