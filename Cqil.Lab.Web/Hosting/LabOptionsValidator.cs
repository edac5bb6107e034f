using Cqil.Lab.Core.Evaluation;
using Microsoft.Extensions.Options;

namespace Cqil.Lab.Web.Hosting;

/// <summary>Checks the "Lab" settings at startup, so a typo fails the start with a message instead of a broken page later.</summary>
public sealed class LabOptionsValidator : IValidateOptions<LabOptions>
{
    public ValidateOptionsResult Validate(string? name, LabOptions options)
    {
        var failures = new List<string>();
        void CheckPath(string? path, string key, bool required)
        {
            if (string.IsNullOrWhiteSpace(path))
            {
                if (required)
                {
                    failures.Add($"{key} is empty");
                }
            }
            else if (path.IndexOfAny(Path.GetInvalidPathChars()) >= 0)
            {
                failures.Add($"{key} ('{path}') is not a valid path");
            }
        }
        for (int i = 0; i < options.ModelRoots.Length; i++)
        {
            CheckPath(options.ModelRoots[i], $"Lab:ModelRoots:{i}", true);
        }
        CheckPath(options.DefaultModel, "Lab:DefaultModel", false);
        CheckPath(options.DefaultText, "Lab:DefaultText", false);
        CheckPath(options.DataFolder, "Lab:DataFolder", true);
        CheckPath(options.Database, "Lab:Database", false);
        for (int i = 0; i < options.Tasks.Length; i++)
        {
            var t = options.Tasks[i];
            if (string.IsNullOrWhiteSpace(t.Name))
            {
                failures.Add($"Lab:Tasks:{i}:Name is empty");
            }
            if (!TaskCatalog.Tasks.Any(c => c.Name == t.Task))
            {
                failures.Add($"Lab:Tasks:{i}:Task '{t.Task}' is not a known task reader ({string.Join(", ", TaskCatalog.Tasks.Select(c => c.Name))})");
            }
            CheckPath(t.Path, $"Lab:Tasks:{i}:Path", true);
        }
        var devices = options.EffectiveDevices;
        for (int i = 0; i < devices.Count; i++)
        {
            var d = devices[i];
            string n = d.Name.Trim().ToLowerInvariant();
            if (n != "cpu" && n != "cuda" && !n.StartsWith("cuda:", StringComparison.Ordinal))
            {
                failures.Add($"Lab:Devices:{i}:Name '{d.Name}': expected cpu, cuda or cuda:N");
            }
            if (d.Lanes < 1 || d.Lanes > 16)
            {
                failures.Add($"Lab:Devices:{i}:Lanes must be between 1 and 16, got {d.Lanes}");
            }
            if (d.Threads < 0)
            {
                failures.Add($"Lab:Devices:{i}:Threads must be >= 0 (0 = automatic), got {d.Threads}");
            }
        }
        if (devices.Select(d => d.Name.Trim().ToLowerInvariant()).Distinct().Count() != devices.Count)
        {
            failures.Add("Lab:Devices lists a device twice");
        }
        if (options.MaxUploadBytes < 1024)
        {
            failures.Add($"Lab:MaxUploadBytes must be at least 1024, got {options.MaxUploadBytes}");
        }
        if (options.LoadedModels < 1)
        {
            failures.Add($"Lab:LoadedModels must be at least 1, got {options.LoadedModels}");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
