using Cqil.Lab.Core.Cqil;

namespace Cqil.Lab.Core.Analysis;

/// <summary>
/// Chooses groupings from a layer-input similarity matrix: the exact best contiguous partition for a target
/// sequential depth and maximum group size (dynamic programming over prefix length × groups used), and a
/// ranking of uniform S/E/P plans for a given P.
/// </summary>
public static class GroupingSuggester
{
    /// <summary>Depth for a target ideal reduction r of layer time: round(L · (1 − r)).</summary>
    public static int DepthForReduction(int layers, double reduction)
    {
        if (!(reduction >= 0 && reduction < 1))
        {
            throw new InvalidInputException($"ideal reduction must be in [0, 1), got {reduction}");
        }
        return (int)Math.Round(layers * (1 - reduction), MidpointRounding.AwayFromZero);
    }

    public static GroupingSuggestion Suggest(SimilarityMatrix similarity, int depth, int maxGroupSize, GroupingObjective objective,
        int bypassDistance = 0, BypassMode bypassMode = BypassMode.FfnInput)
    {
        int layers = similarity.Size;
        if (maxGroupSize < 2)
        {
            throw new InvalidInputException($"maximum group size must be at least 2, got {maxGroupSize}");
        }
        int fewest = (layers + maxGroupSize - 1) / maxGroupSize;
        if (depth < fewest || depth >= layers)
        {
            throw new InvalidInputException($"sequential depth {depth} is not reachable for {layers} layers with groups of at most {maxGroupSize} (possible: {fewest}–{layers - 1})");
        }
        bool bottleneck = GroupingObjectives.IsBottleneck(objective);
        // best[i, g]: best value over partitions of layers [0, i) into g groups; NaN = impossible.
        var best = new double[layers + 1, depth + 1];
        var choice = new int[layers + 1, depth + 1];
        for (int i = 0; i <= layers; i++)
        {
            for (int g = 0; g <= depth; g++)
            {
                best[i, g] = double.NaN;
            }
        }
        best[0, 0] = bottleneck ? double.PositiveInfinity : 0;
        for (int i = 1; i <= layers; i++)
        {
            for (int g = 1; g <= Math.Min(i, depth); g++)
            {
                for (int k = 1; k <= Math.Min(maxGroupSize, i); k++)
                {
                    double before = best[i - k, g - 1];
                    if (double.IsNaN(before))
                    {
                        continue;
                    }
                    var terms = GroupingObjectives.Terms(objective, similarity, i - k, k);
                    double value = bottleneck ? Math.Min(before, terms.DefaultIfEmpty(double.PositiveInfinity).Min()) : before + terms.Sum();
                    if (double.IsNaN(best[i, g]) || value > best[i, g])
                    {
                        best[i, g] = value;
                        choice[i, g] = k;
                    }
                }
            }
        }
        var groups = new List<IReadOnlyList<int>>();
        for (int i = layers, g = depth; i > 0; g--)
        {
            int k = choice[i, g];
            groups.Add(Enumerable.Range(i - k, k).ToArray());
            i -= k;
        }
        groups.Reverse();
        var plan = GroupPlan.FromCompleteGroups(layers, groups, bypassDistance, bypassMode);
        return Describe(plan, similarity, objective);
    }

    /// <summary>Every S/E/P plan for this P (E − S a positive multiple of P), best first within each number of groups, most groups first.</summary>
    public static IReadOnlyList<SepChoice> RankSep(SimilarityMatrix similarity, int p, GroupingObjective objective)
    {
        int layers = similarity.Size;
        if (p < 2 || p > layers)
        {
            throw new InvalidInputException($"P must be between 2 and {layers}, got {p}");
        }
        var choices = new List<SepChoice>();
        for (int s = 0; s + p <= layers; s++)
        {
            for (int e = s + p; e <= layers; e += p)
            {
                var plan = GroupPlan.FromSep(layers, s, e, p);
                var d = Describe(plan, similarity, objective);
                choices.Add(new SepChoice(s, e, p, (e - s) / p, plan.SequentialDepth, plan.IdealReduction, d.Score, d.MeanAdjacent, d.MinAdjacent));
            }
        }
        return choices.OrderByDescending(c => c.Groups).ThenByDescending(c => c.Score).ToList();
    }

    /// <summary>The objective value and per-group evidence of any plan.</summary>
    public static GroupingSuggestion Describe(GroupPlan plan, SimilarityMatrix similarity, GroupingObjective objective)
    {
        var multi = plan.MultiLayerGroups.ToList();
        var evidence = multi.Select(g =>
        {
            var terms = GroupingObjectives.Terms(objective, similarity, g.Start, g.Count).ToArray();
            return new GroupEvidence(g.Start, g.Count, terms, terms.Min(), terms.Average());
        }).ToList();
        var adjacent = multi.SelectMany(g => GroupingObjectives.Terms(GroupingObjective.MeanAdjacent, similarity, g.Start, g.Count)).ToArray();
        double score = GroupingObjectives.Score(objective, similarity, multi.Select(g => (g.Start, g.Count)));
        return new GroupingSuggestion(plan, objective, score,
            adjacent.Length > 0 ? adjacent.Average() : double.NaN, adjacent.Length > 0 ? adjacent.Min() : double.NaN, evidence);
    }
}
