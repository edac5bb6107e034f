using System.Globalization;
using Cqil.Lab.Core.Cqil;

namespace Cqil.Lab.Core.Analysis;

/// <summary>One suggested group with the numbers behind it.</summary>
public sealed record GroupEvidence(int Start, int Count, double[] Similarities, double Min, double Mean);

/// <summary>A suggested plan, its objective value and the per-group evidence that explains it.</summary>
public sealed record GroupingSuggestion(GroupPlan Plan, GroupingObjective Objective, double Score, double MeanAdjacent, double MinAdjacent, IReadOnlyList<GroupEvidence> Groups)
{
    public string Explain()
    {
        var c = CultureInfo.InvariantCulture;
        string groups = string.Join("; ", Groups.Select(g =>
            $"[{g.Start}–{g.Start + g.Count - 1}] {(Objective == GroupingObjective.MinToGroupInput ? "vs group input" : "adjacent")} " +
            string.Join(" ", g.Similarities.Select(v => v.ToString("F3", c)))));
        return string.Create(c,
            $"{Plan.Describe()}: sequential depth {Plan.SequentialDepth} of {Plan.LayerCount} (ideal reduction {Plan.IdealReduction:P1}); " +
            $"{GroupingObjectives.Name(Objective)} = {Score:F4}; adjacent similarity inside groups: mean {MeanAdjacent:F4}, min {MinAdjacent:F4}. Groups: {groups}");
    }
}

/// <summary>An S/E/P choice for a fixed P, scored on the similarity matrix.</summary>
public sealed record SepChoice(int S, int E, int P, int Groups, int SequentialDepth, double IdealReduction, double Score, double MeanAdjacent, double MinAdjacent);
