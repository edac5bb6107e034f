using System.Text.Json.Nodes;
using Bunit;
using Cqil.Lab.Core.Cqil;
using Cqil.Lab.Tests.Fixtures;
using Cqil.Lab.Web.Components.Shared;
using Microsoft.AspNetCore.Components;

namespace Cqil.Lab.Tests.Web;

public sealed class GroupEditorTests : LabBunitContext
{
    private readonly List<PlanDocument?> changes = [];
    private readonly List<PlanDocument> saved = [];

    private IRenderedComponent<GroupEditor> Editor(int layers = 8, PlanDocument? initial = null) => Render<GroupEditor>(p => p
        .Add(e => e.LayerCount, layers)
        .Add(e => e.Model, new PlanModelReference("tiny", "abc123", layers))
        .Add(e => e.Initial, initial)
        .Add(e => e.PlanChanged, EventCallback.Factory.Create<PlanDocument?>(this, d => changes.Add(d)))
        .Add(e => e.OnSave, EventCallback.Factory.Create<PlanDocument>(this, d => saved.Add(d))));

    private static string GroupsText(IRenderedComponent<GroupEditor> editor) => editor.Find("[data-testid=groups-text]").GetAttribute("value") ?? "";

    [Fact]
    public void Selecting_runs_on_the_layer_strip_builds_groups_and_the_exported_json()
    {
        var editor = Editor();
        Assert.Equal("8", editor.Find("[data-testid=plan-depth]").TextContent); // the baseline

        editor.Find("[data-testid=layer-2]").Click();
        editor.Find("[data-testid=layer-3]").Click();
        editor.Find("[data-testid=layer-5]").Click();
        editor.Find("[data-testid=layer-4]").Click(); // either order

        Assert.Equal("2-3, 4-5", GroupsText(editor));
        Assert.Equal("S2-E6-P2-D0", editor.Find("[data-testid=plan-description]").TextContent);
        Assert.Equal("6", editor.Find("[data-testid=plan-depth]").TextContent);
        Assert.Equal("25.0%", editor.Find("[data-testid=plan-reduction]").TextContent);
        Assert.Contains("grouped", editor.Find("[data-testid=layer-4]").ClassName);

        var json = editor.Find("[data-testid=export-lab]").TextContent;
        var doc = PlanDocument.Parse(json, "export");
        Assert.Equal([[0], [1], [2, 3], [4, 5], [6], [7]], doc.Plan.Groups.Select(g => g.Layers.ToArray()).ToArray());
        var root = JsonNode.Parse(json)!;
        Assert.Equal("cqil-lab/plan", (string?)root["schema"]);
        Assert.Equal(1, (int?)root["schema_version"]);
        Assert.Equal("abc123", (string?)root["model"]!["fingerprint"]);
        Assert.Equal(6, (int?)root["derived"]!["sequential_depth"]);
        Assert.Equal("{\"cqil_layers\":[[2,3],[4,5]],\"d\":0}", editor.Find("[data-testid=export-authors]").TextContent);
        Assert.Equal("S2-E6-P2-D0", changes.Last()!.Plan.Describe());

        // The same layer twice takes its group apart.
        editor.Find("[data-testid=layer-5]").Click();
        editor.Find("[data-testid=layer-5]").Click();
        Assert.Equal("2-3", GroupsText(editor));
    }

    [Theory]
    [InlineData("2-4, 4-5", "overlaps")]
    [InlineData("6-8", "out of range")]
    [InlineData("2-x", "is not a run of layers")]
    [InlineData("3", "single layer")]
    [InlineData("5-4", "ends before it starts")]
    public void Invalid_groups_show_a_message_and_no_export(string groups, string message)
    {
        var editor = Editor();
        editor.Find("[data-testid=groups-text]").Input(groups);

        Assert.Contains(message, editor.Find("[data-testid=plan-error]").TextContent);
        Assert.Empty(editor.FindAll("[data-testid=export-lab]"));
        Assert.Empty(editor.FindAll("[data-testid=plan-depth]"));
        Assert.Null(changes.Last());
        Assert.True(editor.Find("[data-testid=save-plan]").HasAttribute("disabled"));

        editor.Find("[data-testid=groups-text]").Input("2-3");
        Assert.Empty(editor.FindAll("[data-testid=plan-error]"));
        Assert.Equal("7", editor.Find("[data-testid=plan-depth]").TextContent);
    }

    [Fact]
    public void The_sep_form_fills_the_groups_or_says_what_is_wrong()
    {
        var editor = Editor(layers: 12);
        editor.Find("[data-testid=sep-s]").Input("4");
        editor.Find("[data-testid=sep-e]").Input("9");
        editor.Find("[data-testid=sep-p]").Input("2");
        editor.Find("[data-testid=apply-sep]").Click();
        Assert.Contains("not a multiple of P", editor.Find("[data-testid=plan-error]").TextContent);

        editor.Find("[data-testid=sep-e]").Input("8");
        editor.Find("[data-testid=apply-sep]").Click();
        Assert.Equal("4-5, 6-7", GroupsText(editor));
        Assert.Equal("10", editor.Find("[data-testid=plan-depth]").TextContent);

        editor.Find("[data-testid=middle-third]").Click();
        Assert.Equal("S4-E8-P2-D0", editor.Find("[data-testid=plan-description]").TextContent);
    }

    [Fact]
    public void Bypass_distance_and_mode_reach_both_exports()
    {
        var editor = Editor();
        editor.Find("[data-testid=groups-text]").Input("2-4");
        editor.Find("[data-testid=bypass-on]").Change("on");
        editor.Find("[data-testid=bypass-mode]").Change("residual");

        var root = JsonNode.Parse(editor.Find("[data-testid=export-lab]").TextContent)!;
        Assert.Equal(1, (int?)root["bypass"]!["distance"]);
        Assert.Equal("residual", (string?)root["bypass"]!["mode"]);
        Assert.Equal("{\"cqil_layers\":[[2,3,4]],\"d\":1}", editor.Find("[data-testid=export-authors]").TextContent);

        editor.Find("[data-testid=bypass-d]").Input("-1");
        Assert.Contains("must be >= 0", editor.Find("[data-testid=plan-error]").TextContent);
    }

    [Fact]
    public void Imports_the_authors_form_and_names_and_refuses_bad_input()
    {
        var editor = Editor();
        editor.Find("[data-testid=import-text]").Input("{\"cqil_layers\": [[4, 5, 6]], \"d\": 0}");
        editor.Find("[data-testid=import]").Click();
        Assert.Equal("4-6", GroupsText(editor));
        Assert.Equal("residual", editor.Find("[data-testid=bypass-mode]").GetAttribute("value"));

        editor.Find("[data-testid=import-text]").Input("LLaMA-7B-S2-E6-P2-D0");
        editor.Find("[data-testid=import]").Click();
        Assert.Equal("2-3, 4-5", GroupsText(editor));

        string groups32 = string.Join(", ", Enumerable.Range(0, 32).Select(i => $"[{i}]"));
        editor.Find("[data-testid=import-text]").Input("{\"schema\": \"cqil-lab/plan\", \"schema_version\": 1, \"model\": {\"layer_count\": 32}, \"groups\": [" + groups32 + "]}");
        editor.Find("[data-testid=import]").Click();
        Assert.Contains("32", editor.Find("[data-testid=import-error]").TextContent);

        editor.Find("[data-testid=import-text]").Input("{ broken");
        editor.Find("[data-testid=import]").Click();
        Assert.Contains("not valid JSON", editor.Find("[data-testid=import-error]").TextContent);
        Assert.Equal("2-3, 4-5", GroupsText(editor)); // a failed import changes nothing
    }

    [Fact]
    public void Saving_hands_the_named_plan_to_the_page_and_a_plan_loads_back()
    {
        var editor = Editor();
        editor.Find("[data-testid=groups-text]").Input("1-2");
        editor.Find("[data-testid=plan-name]").Input("early pair");
        editor.Find("[data-testid=save-plan]").Click();

        var doc = Assert.Single(saved);
        Assert.Equal("early pair", doc.Name);
        Assert.Equal("[1, 2]", doc.Plan.MultiLayerGroups.Single().ToString());

        var reopened = Editor(initial: doc);
        Assert.Equal("1-2", GroupsText(reopened));
        Assert.Equal("early pair", reopened.Find("[data-testid=plan-name]").GetAttribute("value"));
    }
}
