namespace Cqil.Lab.Core.Cqil;

/// <summary>
/// A CQIL configuration: an ordered list of groups of consecutive layers covering every layer exactly once,
/// with the bypass distance D and mode (per-group overrides allowed). Immutable and always valid: every
/// constructor validates and throws <see cref="InvalidInputException"/> naming the offending group.
/// </summary>
public sealed class GroupPlan
{
    private GroupPlan(int layerCount, IReadOnlyList<LayerGroup> groups, int bypassDistance, BypassMode bypassMode)
    {
        LayerCount = layerCount;
        Groups = groups;
        BypassDistance = bypassDistance;
        BypassMode = bypassMode;
    }

    public int LayerCount { get; }

    public IReadOnlyList<LayerGroup> Groups { get; }

    /// <summary>D: each layer of a group adds the attention outputs of up to D preceding layers of the group (0 = off).</summary>
    public int BypassDistance { get; }

    public BypassMode BypassMode { get; }

    /// <summary>Sequential layer steps: the number of groups, singletons included.</summary>
    public int SequentialDepth => Groups.Count;

    /// <summary>Fraction of sequential layer time removed if every group member ran on its own device, all-reduce free.</summary>
    public double IdealReduction => 1.0 - (double)SequentialDepth / LayerCount;

    public IEnumerable<LayerGroup> MultiLayerGroups => Groups.Where(g => !g.IsSingleton);

    public bool IsBaseline => Groups.All(g => g.IsSingleton);

    public int DistanceFor(LayerGroup group) => group.BypassDistance ?? BypassDistance;

    public BypassMode ModeFor(LayerGroup group) => group.BypassMode ?? BypassMode;

    /// <summary>The group that holds <paramref name="layer"/>.</summary>
    public LayerGroup GroupOf(int layer) => Groups.First(g => layer >= g.Start && layer < g.End);

    /// <summary>The unchanged model: every layer alone.</summary>
    public static GroupPlan Baseline(int layerCount) =>
        FromMultiLayerGroups(layerCount, [], 0, BypassMode.FfnInput);

    /// <summary>
    /// The uniform form: groups [S, S+P), [S+P, S+2P), … up to E (exclusive), singletons elsewhere.
    /// (E − S) must be a multiple of P.
    /// </summary>
    public static GroupPlan FromSep(int layerCount, int start, int end, int perGroup, int bypassDistance = 0, BypassMode bypassMode = BypassMode.FfnInput)
    {
        if (perGroup < 1)
        {
            throw new InvalidInputException($"P={perGroup}: layers per group must be at least 1");
        }
        if (start < 0 || end > layerCount || start >= end)
        {
            throw new InvalidInputException($"S={start}, E={end}: need 0 <= S < E <= {layerCount} (the model has {layerCount} layers)");
        }
        if ((end - start) % perGroup != 0)
        {
            throw new InvalidInputException($"S={start}, E={end}, P={perGroup}: E - S = {end - start} is not a multiple of P");
        }
        var groups = new List<IReadOnlyList<int>>();
        for (int s = start; s < end; s += perGroup)
        {
            groups.Add(Enumerable.Range(s, perGroup).ToArray());
        }
        return FromMultiLayerGroups(layerCount, groups, bypassDistance, bypassMode);
    }

    /// <summary>
    /// From explicit layer lists that cover every layer exactly once, in order (the lab's own form). Gaps,
    /// overlaps, empty or non-consecutive groups and out-of-range layers are rejected.
    /// </summary>
    public static GroupPlan FromCompleteGroups(int layerCount, IReadOnlyList<IReadOnlyList<int>> groups, int bypassDistance = 0, BypassMode bypassMode = BypassMode.FfnInput,
        IReadOnlyDictionary<int, (int Distance, BypassMode Mode)>? overrides = null)
    {
        var checkedGroups = CheckGroups(layerCount, groups, overrides);
        int expected = 0;
        foreach (var g in checkedGroups)
        {
            if (g.Start > expected)
            {
                string gap = g.Start - expected == 1 ? $"layer {expected} is" : $"layers {expected}–{g.Start - 1} are";
                throw new InvalidInputException($"{gap} in no group (gap before group {g}); every layer must be in exactly one group");
            }
            expected = g.End;
        }
        if (expected < layerCount)
        {
            string gap = layerCount - expected == 1 ? $"layer {expected} is" : $"layers {expected}–{layerCount - 1} are";
            throw new InvalidInputException($"{gap} in no group (gap after the last group); every layer must be in exactly one group");
        }
        return Create(layerCount, checkedGroups, bypassDistance, bypassMode);
    }

    /// <summary>
    /// From the groups of two or more layers only (the authors' cqil_layers form); every layer not listed runs
    /// alone. Overlaps, empty or non-consecutive groups and out-of-range layers are rejected.
    /// </summary>
    public static GroupPlan FromMultiLayerGroups(int layerCount, IReadOnlyList<IReadOnlyList<int>> groups, int bypassDistance = 0, BypassMode bypassMode = BypassMode.FfnInput,
        IReadOnlyDictionary<int, (int Distance, BypassMode Mode)>? overrides = null)
    {
        if (layerCount < 1)
        {
            throw new InvalidInputException($"a plan needs at least one layer, got {layerCount}");
        }
        var listed = CheckGroups(layerCount, groups, overrides);
        var all = new List<LayerGroup>();
        int next = 0;
        foreach (var g in listed)
        {
            for (; next < g.Start; next++)
            {
                all.Add(new LayerGroup(next, 1));
            }
            all.Add(g);
            next = g.End;
        }
        for (; next < layerCount; next++)
        {
            all.Add(new LayerGroup(next, 1));
        }
        return Create(layerCount, all, bypassDistance, bypassMode);
    }

    private static GroupPlan Create(int layerCount, List<LayerGroup> groups, int bypassDistance, BypassMode bypassMode)
    {
        if (bypassDistance < 0)
        {
            throw new InvalidInputException($"bypass distance D={bypassDistance} must be >= 0 (0 = off)");
        }
        return new GroupPlan(layerCount, groups, bypassDistance, bypassMode);
    }

    // Checks each group alone and against its neighbours; returns them as LayerGroups in layer order.
    private static List<LayerGroup> CheckGroups(int layerCount, IReadOnlyList<IReadOnlyList<int>> groups, IReadOnlyDictionary<int, (int Distance, BypassMode Mode)>? overrides)
    {
        if (layerCount < 1)
        {
            throw new InvalidInputException($"a plan needs at least one layer, got {layerCount}");
        }
        var result = new List<LayerGroup>();
        for (int i = 0; i < groups.Count; i++)
        {
            var layers = groups[i];
            string shown = "[" + string.Join(", ", layers) + "]";
            if (layers.Count == 0)
            {
                throw new InvalidInputException($"group {i} is empty");
            }
            foreach (int layer in layers)
            {
                if (layer < 0 || layer >= layerCount)
                {
                    throw new InvalidInputException($"group {shown} has layer {layer}, out of range: the model has {layerCount} layers (0–{layerCount - 1})");
                }
            }
            for (int k = 1; k < layers.Count; k++)
            {
                if (layers[k] == layers[k - 1])
                {
                    throw new InvalidInputException($"group {shown} lists layer {layers[k]} twice");
                }
                if (layers[k] != layers[k - 1] + 1)
                {
                    throw new InvalidInputException($"group {shown} is not a run of consecutive layers (in increasing order)");
                }
            }
            (int Distance, BypassMode Mode)? over = overrides is not null && overrides.TryGetValue(layers[0], out var o) ? o : null;
            if (over is { Distance: < 0 })
            {
                throw new InvalidInputException($"group {shown}: bypass distance {over.Value.Distance} must be >= 0");
            }
            result.Add(new LayerGroup(layers[0], layers.Count, over?.Distance, over?.Mode));
        }
        var ordered = result.OrderBy(g => g.Start).ToList();
        for (int i = 1; i < ordered.Count; i++)
        {
            if (ordered[i].Start < ordered[i - 1].End)
            {
                throw new InvalidInputException($"group {ordered[i - 1]} overlaps group {ordered[i]} at layer {ordered[i].Start}");
            }
        }
        for (int i = 1; i < result.Count; i++)
        {
            if (result[i].Start < result[i - 1].Start)
            {
                throw new InvalidInputException($"group {result[i]} comes after group {result[i - 1]}; list groups in layer order");
            }
        }
        return result;
    }

    /// <summary>S, E, P when the multi-layer groups are one uniform run; otherwise null.</summary>
    public (int S, int E, int P)? AsSep()
    {
        var multi = MultiLayerGroups.ToList();
        if (multi.Count == 0 || multi.Any(g => g.Count != multi[0].Count))
        {
            return null;
        }
        for (int i = 1; i < multi.Count; i++)
        {
            if (multi[i].Start != multi[i - 1].End)
            {
                return null;
            }
        }
        return (multi[0].Start, multi[^1].End, multi[0].Count);
    }

    /// <summary>"S12-E30-P2-D0" for uniform plans, else a list of the multi-layer groups.</summary>
    public string Describe()
    {
        if (IsBaseline)
        {
            return "baseline";
        }
        string bypass = BypassDistance > 0 ? $"-D{BypassDistance} {BypassModes.Name(BypassMode)}" : "-D0";
        return AsSep() is { } sep
            ? $"S{sep.S}-E{sep.E}-P{sep.P}{bypass}"
            : string.Join(" ", MultiLayerGroups.Select(g => g.ToString())) + bypass;
    }

    public override string ToString() => Describe();
}
