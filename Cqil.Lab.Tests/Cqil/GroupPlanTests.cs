using Cqil.Lab.Core;
using Cqil.Lab.Core.Cqil;

namespace Cqil.Lab.Tests.Cqil;

public sealed class GroupPlanTests
{
    [Fact]
    public void Sep_builds_uniform_groups_with_singletons_around_them()
    {
        var plan = GroupPlan.FromSep(32, 12, 30, 2);
        Assert.Equal(23, plan.SequentialDepth);
        Assert.Equal(9, plan.MultiLayerGroups.Count());
        Assert.Equal(new LayerGroup(12, 2), plan.Groups[12]);
        Assert.Equal(new LayerGroup(28, 2), plan.Groups[20]);
        Assert.Equal(new LayerGroup(31, 1), plan.Groups[^1]);
        Assert.Equal((12, 30, 2), plan.AsSep());
        Assert.Equal("S12-E30-P2-D0", plan.Describe());
    }

    [Theory]
    [InlineData(12, 30, 2, 0.28125)] // the authors' LLaMA-7B P=2 plan: 28.1% fewer sequential layer steps
    [InlineData(14, 30, 4, 0.375)]   // and P=4: 37.5%
    public void Ideal_reduction_is_the_fraction_of_sequential_steps_removed(int s, int e, int p, double expected)
    {
        Assert.Equal(expected, GroupPlan.FromSep(32, s, e, p).IdealReduction, 12);
    }

    [Fact]
    public void Explicit_non_uniform_groups_are_allowed()
    {
        var plan = GroupPlan.FromCompleteGroups(6, [[0], [1, 2, 3], [4, 5]], 1, BypassMode.Residual);
        Assert.Equal(3, plan.SequentialDepth);
        Assert.Null(plan.AsSep());
        Assert.Equal(1, plan.DistanceFor(plan.Groups[1]));
        Assert.Equal(BypassMode.Residual, plan.ModeFor(plan.Groups[2]));
    }

    [Fact]
    public void Per_group_bypass_override_applies_to_that_group_only()
    {
        var plan = GroupPlan.FromCompleteGroups(6, [[0, 1], [2, 3], [4, 5]], 0, BypassMode.FfnInput,
            new Dictionary<int, (int, BypassMode)> { [2] = (1, BypassMode.Residual) });
        Assert.Equal(0, plan.DistanceFor(plan.Groups[0]));
        Assert.Equal(1, plan.DistanceFor(plan.Groups[1]));
        Assert.Equal(BypassMode.Residual, plan.ModeFor(plan.Groups[1]));
        Assert.Equal(BypassMode.FfnInput, plan.ModeFor(plan.Groups[2]));
    }

    public static TheoryData<string, Func<GroupPlan>, string> InvalidPlans => new()
    {
        { "overlap", () => GroupPlan.FromMultiLayerGroups(8, [[2, 3], [3, 4]]), "group [2, 3] overlaps group [3, 4] at layer 3" },
        { "gap", () => GroupPlan.FromCompleteGroups(6, [[0, 1], [2], [4, 5]]), "layer 3 is in no group (gap before group [4, 5])" },
        { "gap at end", () => GroupPlan.FromCompleteGroups(6, [[0, 1], [2, 3]]), "layers 4–5 are in no group (gap after the last group)" },
        { "out of range", () => GroupPlan.FromMultiLayerGroups(8, [[6, 7, 8]]), "group [6, 7, 8] has layer 8, out of range: the model has 8 layers (0–7)" },
        { "negative", () => GroupPlan.FromMultiLayerGroups(8, [[-1, 0]]), "has layer -1, out of range" },
        { "not consecutive", () => GroupPlan.FromMultiLayerGroups(8, [[2, 4]]), "group [2, 4] is not a run of consecutive layers" },
        { "descending", () => GroupPlan.FromMultiLayerGroups(8, [[3, 2]]), "group [3, 2] is not a run of consecutive layers" },
        { "repeated", () => GroupPlan.FromMultiLayerGroups(8, [[3, 3]]), "group [3, 3] lists layer 3 twice" },
        { "empty", () => GroupPlan.FromMultiLayerGroups(8, [[1, 2], []]), "group 1 is empty" },
        { "E-S not multiple of P", () => GroupPlan.FromSep(32, 12, 31, 2), "S=12, E=31, P=2: E - S = 19 is not a multiple of P" },
        { "E past end", () => GroupPlan.FromSep(32, 12, 34, 2), "need 0 <= S < E <= 32" },
        { "P zero", () => GroupPlan.FromSep(32, 12, 30, 0), "P=0: layers per group must be at least 1" },
        { "negative D", () => GroupPlan.FromSep(32, 12, 30, 2, -1), "bypass distance D=-1 must be >= 0" },
        { "out of order", () => GroupPlan.FromCompleteGroups(4, [[2, 3], [0, 1]]), "group [0, 1] comes after group [2, 3]" },
    };

    [Theory]
    [MemberData(nameof(InvalidPlans))]
    public void Every_kind_of_invalid_plan_is_rejected_with_a_message_naming_it(string kind, Func<GroupPlan> build, string expected)
    {
        var e = Assert.Throws<InvalidInputException>(build);
        Assert.True(e.Message.Contains(expected), $"{kind}: '{e.Message}' lacks '{expected}'");
    }
}
