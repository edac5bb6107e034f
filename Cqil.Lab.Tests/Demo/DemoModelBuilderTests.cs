using System.Text.Json;
using Cqil.Lab.Core.Checkpoints;
using Cqil.Lab.Core.Demo;
using Cqil.Lab.Tests.Fixtures;

namespace Cqil.Lab.Tests.Demo;

public sealed class DemoModelBuilderTests
{
    [Fact]
    public void A_tiny_build_writes_a_loadable_model_with_tasks_held_out_text_report_and_readme()
    {
        using var folder = new TempDirectory();
        var settings = new DemoTrainingSettings
        {
            Seed = 9,
            Model = new DemoModelSpec { Layers = 3, Hidden = 32, Heads = 2, Intermediate = 64 },
            Steps = 3,
            BatchSize = 4,
            WarmupSteps = 1,
            EvaluationItemsPerTask = 2,
            ItemsPerTask = 6,
            HeldOutTextStories = 5,
            CheckpointEvery = 2,
        };
        var result = DemoModelBuilder.Build(folder.Path, settings, threads: 1);

        var demo = new DemoFolder(folder.Path);
        Assert.Equal(StoryTasks.All, demo.ReadTasks().Keys.Order());
        Assert.All(demo.ReadTasks().Values, task => Assert.Equal(6, task.Items.Count));
        Assert.False(Directory.Exists(demo.CheckpointsFolder));
        Assert.Equal(3, CheckpointLoader.ReadConfig(folder.Path).NumLayers);
        Assert.Single(ModelCatalog.Scan([folder.Path]));

        Assert.Equal(StoryTasks.All.Length, result.Report.Tasks.Count);
        Assert.Equal(2, result.Report.AdjacentCosine.Count);
        Assert.Equal("S1-E3-P2-D0", result.Report.Plan);
        using var record = JsonDocument.Parse(File.ReadAllText(demo.ReportFile));
        Assert.Equal(9UL, record.RootElement.GetProperty("seed").GetUInt64());
        Assert.Contains("train-demo --out models/demo --seed 9", File.ReadAllText(demo.ReadmeFile));

        // `cqil eval` scores a model folder's own task by name, without --data.
        var (code, output, error) = CliRun.Run("eval", "--model", folder.Path, "--task", "who-has", "--quiet");
        Assert.True(code == 0, error);
        Assert.StartsWith("who-has: 6 of 6 items", output);
        (code, _, error) = CliRun.Run("eval", "--model", folder.Path, "--task", "nonsense", "--quiet");
        Assert.Equal(2, code);
        Assert.Contains("one of this model's own tasks: how-many, what-colour, where-object, where-person, who-has", error);
    }

    [Fact]
    public void A_two_layer_build_reports_without_a_plan_instead_of_failing_after_training()
    {
        using var folder = new TempDirectory();
        var settings = new DemoTrainingSettings
        {
            Seed = 4,
            Model = new DemoModelSpec { Layers = 2, Hidden = 32, Heads = 2, Intermediate = 64 },
            Steps = 2,
            BatchSize = 2,
            WarmupSteps = 1,
            EvaluationItemsPerTask = 2,
            ItemsPerTask = 4,
            HeldOutTextStories = 3,
            CheckpointEvery = 0,
        };
        var result = DemoModelBuilder.Build(folder.Path, settings, threads: 1);

        Assert.Null(result.Report.Plan);
        Assert.All(result.Report.Tasks, t => Assert.Null(t.PlanAccuracy));
        Assert.Single(result.Report.AdjacentCosine);
        Assert.Contains("no plan (under 3 layers)", File.ReadAllText(new DemoFolder(folder.Path).ReadmeFile));
    }

    [Fact]
    public void A_growing_build_trains_a_shallow_model_then_the_full_depth()
    {
        using var folder = new TempDirectory();
        var settings = new DemoTrainingSettings
        {
            Seed = 5,
            Model = new DemoModelSpec { Layers = 4, Hidden = 32, Heads = 2, Intermediate = 64 },
            GrowFromLayers = 2,
            ShallowSteps = 2,
            Steps = 3,
            BatchSize = 2,
            WarmupSteps = 1,
            EvaluateEvery = 1,
            EvaluationItemsPerTask = 2,
            ItemsPerTask = 4,
            HeldOutTextStories = 3,
            CheckpointEvery = 0,
        };
        var result = DemoModelBuilder.Build(folder.Path, settings, threads: 1);
        Assert.Equal(4, CheckpointLoader.ReadConfig(folder.Path).NumLayers);
        Assert.Equal(3, result.Training.Steps);
        // Evaluations are numbered across both phases.
        Assert.Equal([1, 2, 3], result.Training.Evaluations.Select(e => e.Step));
    }

    [Theory]
    [InlineData(12, "S4-E8-P2-D0")]
    [InlineData(16, "S5-E11-P2-D0")]
    [InlineData(3, "S1-E3-P2-D0")]
    public void The_reported_plan_pairs_the_middle_third(int layers, string expected) =>
        Assert.Equal(expected, DemoPlans.MiddleThirdPairs(layers).Describe());
}
