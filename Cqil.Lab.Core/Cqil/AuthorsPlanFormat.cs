using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Cqil.Lab.Core.Cqil;

/// <summary>
/// The CQIL authors' forms: config.json fields <c>"cqil_layers": [[12,13],[14,15],…]</c> (multi-layer groups
/// only) with the bypass distance as <c>"d"</c>, and configuration names such as <c>LLaMA-7B-S12-E30-P2-D0</c>.
/// Their code implements the residual bypass semantics; the import keeps that unless told otherwise.
/// </summary>
public static partial class AuthorsPlanFormat
{
    /// <summary>Reads cqil_layers and d from a JSON object (a whole config.json or just those fields).</summary>
    public static GroupPlan Import(string json, int layerCount, string source, BypassMode bypassMode = BypassMode.Residual)
    {
        JsonObject root;
        try
        {
            root = JsonNode.Parse(json) as JsonObject ?? throw InvalidInputException.ForFile(source, "expected a JSON object with cqil_layers");
        }
        catch (JsonException e)
        {
            throw InvalidInputException.ForFile(source, $"not valid JSON ({e.Message})", e);
        }
        if (root["cqil_layers"] is not JsonArray groupsJson)
        {
            throw InvalidInputException.ForFile(source, "no \"cqil_layers\" list");
        }
        if (root["num_hidden_layers"] is JsonNode n && n.GetValue<int>() != layerCount)
        {
            throw InvalidInputException.ForFile(source, $"num_hidden_layers is {n.GetValue<int>()} but the model has {layerCount} layers");
        }
        try
        {
            var groups = groupsJson.Select(g => (IReadOnlyList<int>)(g as JsonArray ?? throw new InvalidInputException("every cqil_layers entry must be a list"))
                .Select(l => l!.GetValue<int>()).ToArray()).ToList();
            int d = root["d"]?.GetValue<int>() ?? 0;
            return GroupPlan.FromMultiLayerGroups(layerCount, groups, d, bypassMode);
        }
        catch (InvalidInputException e)
        {
            throw InvalidInputException.ForFile(source, e.Message, e);
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException)
        {
            throw InvalidInputException.ForFile(source, $"cqil_layers and d must hold integers ({e.Message})", e);
        }
    }

    /// <summary>The two fields the authors' config.json carries.</summary>
    public static string Export(GroupPlan plan)
    {
        if (plan.Groups.Any(g => g.BypassDistance is not null && g.BypassDistance != plan.BypassDistance))
        {
            throw new InvalidInputException("the authors' form has one bypass distance; this plan overrides it per group");
        }
        var json = new JsonObject
        {
            ["cqil_layers"] = new JsonArray(plan.MultiLayerGroups.Select(g => (JsonNode)new JsonArray(g.Layers.Select(l => (JsonNode)l).ToArray())).ToArray()),
            ["d"] = plan.BypassDistance,
        };
        return json.ToJsonString();
    }

    /// <summary>Parses "&lt;model&gt;-S&lt;S&gt;-E&lt;E&gt;-P&lt;P&gt;-D&lt;D&gt;" (D optional) into the model part and the plan.</summary>
    public static (string Model, GroupPlan Plan) ParseName(string name, int layerCount, BypassMode bypassMode = BypassMode.Residual)
    {
        var match = NamePattern().Match(name.Trim());
        if (!match.Success)
        {
            throw new InvalidInputException($"'{name}' is not a CQIL configuration name like LLaMA-7B-S12-E30-P2-D0");
        }
        int Get(string g) => int.Parse(match.Groups[g].Value, CultureInfo.InvariantCulture);
        int d = match.Groups["d"].Success ? Get("d") : 0;
        return (match.Groups["model"].Value, GroupPlan.FromSep(layerCount, Get("s"), Get("e"), Get("p"), d, bypassMode));
    }

    /// <summary>The authors' name for a uniform plan, e.g. LLaMA-7B-S12-E30-P2-D0.</summary>
    public static string Name(string model, GroupPlan plan)
    {
        var sep = plan.AsSep() ?? throw new InvalidInputException($"plan {plan.Describe()} is not one uniform S/E/P run, so it has no S-E-P name");
        return $"{model}-S{sep.S}-E{sep.E}-P{sep.P}-D{plan.BypassDistance}";
    }

    [GeneratedRegex(@"^(?<model>.+?)-S(?<s>\d+)-E(?<e>\d+)-P(?<p>\d+)(-D(?<d>\d+))?$", RegexOptions.IgnoreCase)]
    private static partial Regex NamePattern();
}
