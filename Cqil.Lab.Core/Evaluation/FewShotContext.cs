namespace Cqil.Lab.Core.Evaluation;

/// <summary>
/// Few-shot prompts the lm-eval way: K solved examples, each its gold context and continuation
/// ("doc_to_text + target_delimiter + doc_to_target"), joined and followed by the few-shot delimiter, in front of
/// every context of the item. The examples are other items of the same data (the shared data sets hold one
/// split; lm-eval does the same when a task has no training split), drawn per item from a seed and the item's
/// index — so an item gets the same examples whatever --limit subset or order it is scored in. lm-eval draws
/// with Python's random in document order, so its examples differ from these; the format is the same.
/// </summary>
public static class FewShotContext
{
    /// <summary>lm-eval's fewshot_seed default.</summary>
    public const ulong DefaultSeed = 1234;

    /// <summary>Checks that <paramref name="task"/> can take <paramref name="shots"/> examples per item.</summary>
    public static void Validate(EvalTask task, int shots)
    {
        if (shots <= 0)
        {
            return;
        }
        if (task.Items.Any(i => i is not MultipleChoiceItem))
        {
            throw new InvalidInputException($"few-shot prompts are for multiple-choice tasks; {task.Name} is not one");
        }
        if (task.Items.Count <= shots)
        {
            throw new InvalidInputException($"--num-fewshot {shots} needs more than {shots} items to draw examples from; {task.Name} has {task.Items.Count}");
        }
    }

    /// <summary>
    /// <paramref name="items"/> (a subset of <paramref name="task"/>) with <paramref name="shots"/> examples each,
    /// drawn from all of the task's items; unchanged for zero shots.
    /// </summary>
    public static IReadOnlyList<EvalItem> ApplyAll(EvalTask task, IReadOnlyList<EvalItem> items, int shots, ulong seed)
    {
        Validate(task, shots);
        return shots == 0 ? items : items.Select(i => (EvalItem)Apply((MultipleChoiceItem)i, task.Items, shots, seed)).ToArray();
    }

    /// <summary>The item with <paramref name="shots"/> examples from <paramref name="pool"/> (never itself) in front of each context.</summary>
    public static MultipleChoiceItem Apply(MultipleChoiceItem item, IReadOnlyList<EvalItem> pool, int shots, ulong seed)
    {
        if (shots == 0)
        {
            return item;
        }
        // Distinct positions in the pool, the item's own excluded; K is small, so rejection is cheap.
        var random = new SplitMix64(seed ^ (0x9E3779B97F4A7C15UL * (ulong)(item.Index + 1)));
        var chosen = new List<int>(shots);
        while (chosen.Count < shots)
        {
            int at = random.NextInt(pool.Count);
            if (pool[at].Index != item.Index && !chosen.Contains(at))
            {
                chosen.Add(at);
            }
        }
        var examples = chosen.Select(at => Solved((MultipleChoiceItem)pool[at]));
        string prefix = string.Concat(examples.Select(e => e + LmEvalSemantics.FewShotDelimiter));
        return item with { Requests = item.Requests.Select(r => r with { Context = prefix + r.Context }).ToArray() };
    }

    // The gold request written out: its context, then its continuation (which starts with the target delimiter).
    private static string Solved(MultipleChoiceItem example)
    {
        var gold = example.Requests[example.Gold];
        return gold.Context + gold.Continuation;
    }
}
