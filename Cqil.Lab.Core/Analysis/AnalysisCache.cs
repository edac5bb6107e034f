using System.Security.Cryptography;
using System.Text;
using Cqil.Lab.Core.Cqil;

namespace Cqil.Lab.Core.Analysis;

/// <summary>
/// Finished analyses on disk, keyed by everything that determines their numbers (model fingerprint and
/// dtype, data hash and sampling, plan with its bypass settings, capture settings), so reopening one is a
/// file read. Unreadable entries are treated as missing.
/// </summary>
public sealed class AnalysisCache(string folder)
{
    public string Folder { get; } = folder;

    /// <summary>~/.cache/cqil-lab/analysis (or under XDG_CACHE_HOME).</summary>
    public static string DefaultFolder()
    {
        string root = Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg
            ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        return Path.Combine(root, "cqil-lab", "analysis");
    }

    public static string Key(string modelFingerprint, string dtype, CalibrationSet data, GroupPlan? plan, AnalysisSettings settings)
    {
        var planText = plan is null
            ? "baseline"
            : string.Join(";", plan.Groups.Select(g => $"{g.Start}+{g.Count}:D{plan.DistanceFor(g)}:{BypassModes.Name(plan.ModeFor(g))}"));
        string text = string.Join("|",
            "v1", modelFingerprint, dtype, data.DataHash, data.Samples.Count, data.SequenceLength, data.TotalTokens, data.BosPrepended,
            planText, settings.ExcludeBos, ExecutionModes.Name(settings.Mode));
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..32];
    }

    public LayerSimilarityAnalysis? TryGet(string key)
    {
        string path = PathOf(key);
        if (!File.Exists(path))
        {
            return null;
        }
        try
        {
            return LayerSimilarityAnalysis.Parse(File.ReadAllText(path), path);
        }
        catch (Exception e) when (e is InvalidInputException or IOException)
        {
            return null;
        }
    }

    public void Put(string key, LayerSimilarityAnalysis result)
    {
        Directory.CreateDirectory(Folder);
        string path = PathOf(key);
        string temporary = path + ".tmp";
        File.WriteAllText(temporary, result.ToJson());
        File.Move(temporary, path, overwrite: true); // readers never see half a file
    }

    private string PathOf(string key) => Path.Combine(Folder, key + ".json");
}
