using System.Text.Json;
using System.Text.Json.Nodes;
using Cqil.Lab.Core.Model;

namespace Cqil.Lab.Core.Cqil;

/// <summary>
/// A plan as the lab saves it: versioned JSON with the model it was made for, every group (singletons
/// included, in layer order), bypass distance and mode (per-group overrides), free-text notes, and the
/// derived figures for readers. Reading validates everything and names the problem.
/// </summary>
public sealed record PlanDocument(GroupPlan Plan, PlanModelReference Model, string? Name = null, string? Notes = null)
{
    public const string Schema = "cqil-lab/plan";
    public const int SchemaVersion = 1;

    public string ToJson()
    {
        var overrides = new JsonArray(Plan.Groups
            .Where(g => g.BypassDistance is not null || g.BypassMode is not null)
            .Select(g => (JsonNode)new JsonObject
            {
                ["group"] = new JsonArray(g.Layers.Select(l => (JsonNode)l).ToArray()),
                ["distance"] = Plan.DistanceFor(g),
                ["mode"] = BypassModes.Name(Plan.ModeFor(g)),
            }).ToArray());
        var json = new JsonObject
        {
            ["schema"] = Schema,
            ["schema_version"] = SchemaVersion,
            ["name"] = Name,
            ["notes"] = Notes,
            ["model"] = new JsonObject
            {
                ["name"] = Model.Name,
                ["fingerprint"] = Model.Fingerprint,
                ["layer_count"] = Model.LayerCount,
            },
            ["groups"] = null,
            ["bypass"] = new JsonObject { ["distance"] = Plan.BypassDistance, ["mode"] = BypassModes.Name(Plan.BypassMode) },
            ["group_bypass"] = overrides,
            ["derived"] = new JsonObject
            {
                ["description"] = Plan.Describe(),
                ["sequential_depth"] = Plan.SequentialDepth,
                ["ideal_reduction"] = Math.Round(Plan.IdealReduction, 6),
            },
        };
        // Indented for people, but each group on one line: a 32-layer plan stays a screenful.
        const string placeholder = "@@groups@@";
        json["groups"] = placeholder;
        string text = json.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
        string compactGroups = "[" + string.Join(", ", Plan.Groups.Select(g => "[" + string.Join(", ", g.Layers) + "]")) + "]";
        return text.Replace("\"" + placeholder + "\"", compactGroups, StringComparison.Ordinal);
    }

    /// <summary>Parses the lab format; <paramref name="source"/> names the file in messages.</summary>
    public static PlanDocument Parse(string json, string source)
    {
        JsonObject root;
        try
        {
            root = JsonNode.Parse(json) as JsonObject ?? throw InvalidInputException.ForFile(source, "a plan must be a JSON object");
        }
        catch (JsonException e)
        {
            throw InvalidInputException.ForFile(source, $"not valid JSON ({e.Message})", e);
        }
        try
        {
            return FromJson(root, source);
        }
        catch (InvalidInputException e) when (!e.Message.StartsWith(source, StringComparison.Ordinal))
        {
            throw InvalidInputException.ForFile(source, e.Message, e);
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or ArgumentException)
        {
            throw InvalidInputException.ForFile(source, $"unexpected value ({e.Message})", e);
        }
    }

    private static PlanDocument FromJson(JsonObject root, string source)
    {
        string? schema = root["schema"]?.GetValue<string>();
        if (schema != Schema)
        {
            throw new InvalidInputException(root.ContainsKey("cqil_layers")
                ? "this is the authors' form (cqil_layers); import it with the authors' format"
                : $"schema is '{schema ?? "(missing)"}', expected '{Schema}'");
        }
        int version = root["schema_version"]?.GetValue<int>() ?? 0;
        if (version != SchemaVersion)
        {
            throw new InvalidInputException($"schema_version {version} is not supported (this lab reads version {SchemaVersion})");
        }
        var model = root["model"] as JsonObject ?? throw new InvalidInputException("missing \"model\"");
        int layerCount = model["layer_count"]?.GetValue<int>() ?? throw new InvalidInputException("missing model.layer_count");
        var groups = ReadGroups(root["groups"] as JsonArray ?? throw new InvalidInputException("missing \"groups\""), "groups");
        var bypass = root["bypass"] as JsonObject;
        int distance = bypass?["distance"]?.GetValue<int>() ?? 0;
        var mode = bypass?["mode"] is JsonNode m ? BypassModes.Parse(m.GetValue<string>()) : BypassMode.FfnInput;
        var overrides = new Dictionary<int, (int, BypassMode)>();
        if (root["group_bypass"] is JsonArray list)
        {
            foreach (var item in list)
            {
                var o = item as JsonObject ?? throw new InvalidInputException("group_bypass entries must be objects");
                var layers = ReadGroups(new JsonArray(o["group"]?.DeepClone()), "group_bypass.group")[0];
                if (layers.Count == 0)
                {
                    throw new InvalidInputException("group_bypass entry with an empty group");
                }
                overrides[layers[0]] = (o["distance"]?.GetValue<int>() ?? distance, o["mode"] is JsonNode om ? BypassModes.Parse(om.GetValue<string>()) : mode);
            }
        }
        var plan = GroupPlan.FromCompleteGroups(layerCount, groups, distance, mode, overrides);
        foreach (int start in overrides.Keys)
        {
            if (plan.Groups.All(g => g.Start != start))
            {
                throw new InvalidInputException($"group_bypass names a group starting at layer {start}, which is not a group of this plan");
            }
        }
        var reference = new PlanModelReference(model["name"]?.GetValue<string>(), model["fingerprint"]?.GetValue<string>(), layerCount);
        return new PlanDocument(plan, reference, root["name"]?.GetValue<string>(), root["notes"]?.GetValue<string>());
    }

    private static List<IReadOnlyList<int>> ReadGroups(JsonArray array, string field)
    {
        var groups = new List<IReadOnlyList<int>>();
        foreach (var g in array)
        {
            if (g is not JsonArray layers)
            {
                throw new InvalidInputException($"{field}: every group must be a list of layer indices, got {g?.ToJsonString() ?? "null"}");
            }
            groups.Add(layers.Select(l => l is JsonValue v && v.TryGetValue(out int i) ? i
                : throw new InvalidInputException($"{field}: layer index {l?.ToJsonString() ?? "null"} is not an integer")).ToArray());
        }
        return groups;
    }

    /// <summary>
    /// Checks this plan against a model: a different layer count is an error; a different checkpoint
    /// (fingerprint) is returned as a warning, since plans often move between fine-tunes of one architecture.
    /// </summary>
    public string? CheckAgainst(ModelIdentity model, string source)
    {
        if (Model.LayerCount != model.LayerCount || Plan.LayerCount != model.LayerCount)
        {
            throw InvalidInputException.ForFile(source, $"the plan is for a {Model.LayerCount}-layer model but {model.Name} has {model.LayerCount} layers");
        }
        return Model.Fingerprint is not null && Model.Fingerprint != model.Fingerprint
            ? $"the plan was made for {Model.Name ?? "another checkpoint"} ({Model.Fingerprint[..Math.Min(12, Model.Fingerprint.Length)]}), not {model}"
            : null;
    }
}
