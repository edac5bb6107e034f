namespace Cqil.Lab.Core.Analysis;

/// <summary>What a suggested grouping maximizes, over the layer-input similarity matrix S.</summary>
public enum GroupingObjective
{
    /// <summary>The smallest S[ℓ, ℓ+1] over adjacent layers that share a group (the weakest link).</summary>
    MinAdjacent,

    /// <summary>The mean S[ℓ, ℓ+1] over adjacent layers that share a group.</summary>
    MeanAdjacent,

    /// <summary>
    /// The smallest S[s, ℓ] over grouped layers ℓ and their group's first layer s: under CQIL layer ℓ reads
    /// x_s instead of x_ℓ, so this is the similarity of what it gets to what it was trained on.
    /// </summary>
    MinToGroupInput,
}

public static class GroupingObjectives
{
    public static string Name(GroupingObjective objective) => objective switch
    {
        GroupingObjective.MinAdjacent => "min-adjacent",
        GroupingObjective.MeanAdjacent => "mean-adjacent",
        GroupingObjective.MinToGroupInput => "min-to-group-input",
        _ => throw new ArgumentOutOfRangeException(nameof(objective)),
    };

    public static GroupingObjective Parse(string text) => text.Trim().ToLowerInvariant() switch
    {
        "min-adjacent" or "min" => GroupingObjective.MinAdjacent,
        "mean-adjacent" or "mean" => GroupingObjective.MeanAdjacent,
        "min-to-group-input" or "min-to-input" => GroupingObjective.MinToGroupInput,
        _ => throw new InvalidInputException($"objective '{text}': expected min-adjacent, mean-adjacent or min-to-group-input"),
    };

    /// <summary>The similarities a group contributes: adjacent pairs, or each member against the group's first layer.</summary>
    public static IEnumerable<double> Terms(GroupingObjective objective, SimilarityMatrix s, int start, int count) => objective switch
    {
        GroupingObjective.MinToGroupInput => Enumerable.Range(start + 1, count - 1).Select(l => s[start, l]),
        _ => Enumerable.Range(start, count - 1).Select(l => s[l, l + 1]),
    };

    /// <summary>Whether groups combine by minimum (a bottleneck) rather than by sum (a mean over a fixed number of terms).</summary>
    public static bool IsBottleneck(GroupingObjective objective) => objective != GroupingObjective.MeanAdjacent;

    /// <summary>The objective's value for a whole plan (NaN when nothing is grouped).</summary>
    public static double Score(GroupingObjective objective, SimilarityMatrix s, IEnumerable<(int Start, int Count)> groups)
    {
        var terms = groups.SelectMany(g => Terms(objective, s, g.Start, g.Count)).ToArray();
        if (terms.Length == 0)
        {
            return double.NaN;
        }
        return IsBottleneck(objective) ? terms.Min() : terms.Average();
    }
}
