using System.Text.Json.Nodes;

namespace Cqil.Lab.Core.Cqil;

/// <summary>
/// Reads a plan from whatever the user gave: a lab plan file, a file with the authors' cqil_layers/d fields
/// (a whole config.json works), or an authors' configuration name such as LLaMA-7B-S12-E30-P2-D0.
/// </summary>
public static class PlanFiles
{
    /// <param name="pathOrName">A file path, or a configuration name when no such file exists.</param>
    /// <param name="layerCount">The target model's layer count (needed by the authors' forms, checked for lab files).</param>
    public static PlanDocument Read(string pathOrName, int layerCount)
    {
        if (!File.Exists(pathOrName))
        {
            if (pathOrName.IndexOfAny(['/', '\\']) < 0 && !pathOrName.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
            {
                var (model, plan) = AuthorsPlanFormat.ParseName(pathOrName, layerCount);
                return new PlanDocument(plan, new PlanModelReference(model, null, layerCount), pathOrName);
            }
            throw InvalidInputException.ForFile(pathOrName, "plan file not found");
        }
        string json = InputFile.ReadAllText(pathOrName);
        bool authors;
        try
        {
            authors = JsonNode.Parse(json) is JsonObject o && o.ContainsKey("cqil_layers") && !o.ContainsKey("schema");
        }
        catch (System.Text.Json.JsonException e)
        {
            throw InvalidInputException.ForFile(pathOrName, $"not valid JSON ({e.Message})", e);
        }
        if (authors)
        {
            var plan = AuthorsPlanFormat.Import(json, layerCount, pathOrName);
            return new PlanDocument(plan, new PlanModelReference(null, null, layerCount), Path.GetFileNameWithoutExtension(pathOrName));
        }
        var doc = PlanDocument.Parse(json, pathOrName);
        if (doc.Plan.LayerCount != layerCount)
        {
            throw InvalidInputException.ForFile(pathOrName, $"the plan is for a {doc.Plan.LayerCount}-layer model but the model has {layerCount} layers");
        }
        return doc;
    }
}
