using Cqil.Lab.Core;
using Cqil.Lab.Core.Cqil;
using Cqil.Lab.Core.Model;

namespace Cqil.Lab.Tests.Cqil;

public sealed class PlanFormatTests
{
    private const string AuthorsLlama7B =
        "{\"cqil_layers\": [[12,13],[14,15],[16,17],[18,19],[20,21],[22,23],[24,25],[26,27],[28,29]], \"d\": 0}";

    [Fact]
    public void Authors_llama7b_fields_import_to_the_S12_E30_P2_plan_and_export_back()
    {
        var imported = AuthorsPlanFormat.Import(AuthorsLlama7B, 32, "config.json");
        var sep = GroupPlan.FromSep(32, 12, 30, 2);

        Assert.Equal(sep.Groups, imported.Groups);
        Assert.Equal(0, imported.BypassDistance);
        Assert.Equal(
            "{\"cqil_layers\":[[12,13],[14,15],[16,17],[18,19],[20,21],[22,23],[24,25],[26,27],[28,29]],\"d\":0}",
            AuthorsPlanFormat.Export(imported));
    }

    [Fact]
    public void Authors_names_parse_and_format()
    {
        var (model, plan) = AuthorsPlanFormat.ParseName("LLaMA-7B-S14-E30-P4-D1", 32);
        Assert.Equal("LLaMA-7B", model);
        Assert.Equal((14, 30, 4), plan.AsSep());
        Assert.Equal(1, plan.BypassDistance);
        Assert.Equal(BypassMode.Residual, plan.BypassMode);
        Assert.Equal("LLaMA-7B-S14-E30-P4-D1", AuthorsPlanFormat.Name(model, plan));
        Assert.Throws<InvalidInputException>(() => AuthorsPlanFormat.ParseName("LLaMA-7B-P4", 32));
    }

    [Fact]
    public void Authors_import_for_a_model_with_the_wrong_layer_count_is_rejected()
    {
        var e = Assert.Throws<InvalidInputException>(() => AuthorsPlanFormat.Import(AuthorsLlama7B, 24, "cfg.json"));
        Assert.Contains("group [24, 25] has layer 24, out of range: the model has 24 layers", e.Message);
        var e2 = Assert.Throws<InvalidInputException>(() => AuthorsPlanFormat.Import("{\"num_hidden_layers\": 40, \"cqil_layers\": [], \"d\": 0}", 32, "cfg.json"));
        Assert.Contains("num_hidden_layers is 40 but the model has 32 layers", e2.Message);
    }

    [Fact]
    public void Lab_format_round_trips_with_overrides_notes_and_model()
    {
        var plan = GroupPlan.FromCompleteGroups(8, [[0], [1, 2, 3], [4, 5], [6], [7]], 1, BypassMode.FfnInput,
            new Dictionary<int, (int, BypassMode)> { [4] = (0, BypassMode.Residual) });
        var doc = new PlanDocument(plan, new PlanModelReference("tiny", "abc123", 8), "my plan", "middle layers look alike");

        var back = PlanDocument.Parse(doc.ToJson(), "plan.json");

        Assert.Equal(plan.Groups, back.Plan.Groups);
        Assert.Equal(1, back.Plan.BypassDistance);
        Assert.Equal(0, back.Plan.DistanceFor(back.Plan.Groups[2]));
        Assert.Equal(BypassMode.Residual, back.Plan.ModeFor(back.Plan.Groups[2]));
        Assert.Equal(doc.Model, back.Model);
        Assert.Equal("my plan", back.Name);
        Assert.Equal("middle layers look alike", back.Notes);
        Assert.Contains("\"sequential_depth\": 5", doc.ToJson());
    }

    [Theory]
    [InlineData("{", "not valid JSON")]
    [InlineData("[]", "a plan must be a JSON object")]
    [InlineData("{\"cqil_layers\": [[1,2]]}", "this is the authors' form")]
    [InlineData("{\"schema\": \"cqil-lab/plan\", \"schema_version\": 9}", "schema_version 9 is not supported")]
    [InlineData("{\"schema\": \"cqil-lab/plan\", \"schema_version\": 1, \"model\": {\"layer_count\": 4}, \"groups\": [[0,1],[2]]}", "layer 3 is in no group")]
    [InlineData("{\"schema\": \"cqil-lab/plan\", \"schema_version\": 1, \"model\": {\"layer_count\": 4}, \"groups\": [[0,1],[\"x\"],[3]]}", "layer index \"x\" is not an integer")]
    [InlineData("{\"schema\": \"cqil-lab/plan\", \"schema_version\": 1, \"model\": {\"layer_count\": 4}, \"groups\": [[0,1],[2,3]], \"bypass\": {\"distance\": 1, \"mode\": \"sideways\"}}", "bypass mode 'sideways'")]
    public void Malformed_lab_files_are_named(string json, string expected)
    {
        var e = Assert.Throws<InvalidInputException>(() => PlanDocument.Parse(json, "/plans/p.json"));
        Assert.StartsWith("/plans/p.json: ", e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Lab_plan_for_a_model_with_another_layer_count_is_rejected()
    {
        var doc = new PlanDocument(GroupPlan.FromSep(8, 2, 6, 2), new PlanModelReference("eight", "f", 8));
        var config = new LlamaConfig { VocabSize = 11, HiddenSize = 8, IntermediateSize = 16, NumLayers = 6, NumHeads = 2, NumKvHeads = 1, HeadDim = 4 };
        using var model = RandomModel.Create(config, seed: 1);
        var e = Assert.Throws<InvalidInputException>(() => doc.CheckAgainst(model.Identity, "p.json"));
        Assert.Contains("the plan is for a 8-layer model but random has 6 layers", e.Message);
    }
}
