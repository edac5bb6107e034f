using Cqil.Lab.Core;
using Cqil.Lab.Core.Analysis;

namespace Cqil.Lab.Tests.Analysis;

public sealed class GroupingSuggesterTests
{
    private static SimilarityMatrix RandomSimilarity(Random random, int layers)
    {
        var m = new double[layers][];
        for (int i = 0; i < layers; i++)
        {
            m[i] = new double[layers];
        }
        for (int i = 0; i < layers; i++)
        {
            m[i][i] = 1;
            for (int j = i + 1; j < layers; j++)
            {
                // Coarse values make ties common, which is where a DP most easily goes wrong.
                m[i][j] = m[j][i] = Math.Round(random.NextDouble(), 1);
            }
        }
        return new SimilarityMatrix(m, m.Select(r => new double[layers]).ToArray(), 10);
    }

    // Every way to cut [0, L) into consecutive groups.
    private static IEnumerable<List<(int Start, int Count)>> Compositions(int layers)
    {
        for (int cuts = 0; cuts < 1 << (layers - 1); cuts++)
        {
            var groups = new List<(int, int)>();
            int start = 0;
            for (int l = 1; l <= layers; l++)
            {
                if (l == layers || (cuts & (1 << (l - 1))) != 0)
                {
                    groups.Add((start, l - start));
                    start = l;
                }
            }
            yield return groups;
        }
    }

    [Fact]
    public void Dynamic_programming_finds_the_brute_force_optimum_for_every_size_up_to_12_layers()
    {
        var random = new Random(4);
        int checkedCases = 0;
        foreach (int layers in Enumerable.Range(2, 11))
        {
            var similarity = RandomSimilarity(random, layers);
            var all = Compositions(layers).ToList();
            foreach (var objective in Enum.GetValues<GroupingObjective>())
            {
                for (int maxSize = 2; maxSize <= Math.Min(layers, 5); maxSize++)
                {
                    for (int depth = (layers + maxSize - 1) / maxSize; depth < layers; depth++)
                    {
                        double brute = all.Where(c => c.Count == depth && c.All(g => g.Count <= maxSize))
                            .Max(c => GroupingObjectives.Score(objective, similarity, c.Where(g => g.Count > 1)));
                        var suggestion = GroupingSuggester.Suggest(similarity, depth, maxSize, objective);
                        Assert.Equal(depth, suggestion.Plan.SequentialDepth);
                        Assert.True(suggestion.Plan.Groups.All(g => g.Count <= maxSize));
                        Assert.True(Math.Abs(brute - suggestion.Score) < 1e-12,
                            $"L={layers} {objective} max {maxSize} depth {depth}: DP {suggestion.Score} vs brute force {brute}");
                        checkedCases++;
                    }
                }
            }
        }
        Assert.True(checkedCases > 300);
    }

    [Fact]
    public void Suggestion_explains_itself_with_its_numbers()
    {
        var m = new[]
        {
            new[] { 1.0, 0.5, 0.4, 0.3 }, new[] { 0.5, 1.0, 0.9, 0.8 }, new[] { 0.4, 0.9, 1.0, 0.7 }, new[] { 0.3, 0.8, 0.7, 1.0 },
        };
        var s = new SimilarityMatrix(m, m.Select(r => new double[4]).ToArray(), 5);
        var suggestion = GroupingSuggester.Suggest(s, depth: 3, maxGroupSize: 2, GroupingObjective.MinAdjacent);
        Assert.Equal("S1-E3-P2-D0", suggestion.Plan.Describe());
        Assert.Equal(0.9, suggestion.Score);
        Assert.Contains("[1–2] adjacent 0.900", suggestion.Explain());
        Assert.Contains("ideal reduction 25.0%", suggestion.Explain().Replace(" %", "%"));
    }

    [Fact]
    public void Sep_choices_are_ranked_best_first_for_each_number_of_groups()
    {
        var similarity = RandomSimilarity(new Random(9), 10);
        var ranked = GroupingSuggester.RankSep(similarity, 2, GroupingObjective.MeanAdjacent);
        Assert.Equal(5, ranked[0].Groups);
        foreach (var byGroups in ranked.GroupBy(c => c.Groups))
        {
            var scores = byGroups.Select(c => c.Score).ToArray();
            Assert.Equal(scores.OrderDescending(), scores);
            Assert.All(byGroups, c => Assert.Equal(0, (c.E - c.S) % 2));
        }
        Assert.Equal(Enumerable.Range(0, 10).Sum(s => Enumerable.Range(1, 5).Count(k => s + 2 * k <= 10)), ranked.Count);
    }

    [Theory]
    [InlineData(8, 8, 2)]
    [InlineData(8, 3, 2)]
    [InlineData(8, 4, 1)]
    public void Unreachable_targets_are_refused(int layers, int depth, int maxSize)
    {
        var similarity = RandomSimilarity(new Random(1), layers);
        Assert.Throws<InvalidInputException>(() => GroupingSuggester.Suggest(similarity, depth, maxSize, GroupingObjective.MinAdjacent));
    }

    [Fact]
    public void Reduction_target_maps_to_depth()
    {
        Assert.Equal(23, GroupingSuggester.DepthForReduction(32, 0.28125));
        Assert.Equal(20, GroupingSuggester.DepthForReduction(32, 0.375));
    }
}
