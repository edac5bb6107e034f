namespace Cqil.Lab.Core.Demo;

/// <summary>
/// The stories kept out of training: one set per task for its multiple-choice items and one for the held-out
/// text (perplexity, similarity analysis). They come from their own seeded streams, and training skips any
/// story whose narrative is one of these, so "never seen in training" holds by construction.
/// </summary>
public sealed class HeldOutStories
{
    private readonly HashSet<string> narratives = new(StringComparer.Ordinal);

    public HeldOutStories(ulong seed, int itemsPerTask, int textStories)
    {
        var perTask = new Dictionary<StoryTask, IReadOnlyList<DemoTaskItem>>();
        foreach (var task in StoryTasks.All)
        {
            var random = SplitMix64.Derive(seed, "validation/" + StoryTasks.Name(task));
            var items = new List<DemoTaskItem>();
            while (items.Count < itemsPerTask)
            {
                var story = StoryGenerator.Generate(random);
                if (!narratives.Add(story.Narrative))
                {
                    continue;
                }
                var question = story.Question(task);
                int gold = random.NextInt(2);
                string[] choices = gold == 0 ? [question.Answer, question.Distractor] : [question.Distractor, question.Answer];
                items.Add(new DemoTaskItem(story.Context(question), choices, gold, $"{StoryTasks.Name(task)}-{items.Count:D4}"));
            }
            perTask[task] = items;
        }
        Items = perTask;

        var textRandom = SplitMix64.Derive(seed, "heldout-text");
        var texts = new List<Story>();
        while (texts.Count < textStories)
        {
            var story = StoryGenerator.Generate(textRandom);
            if (narratives.Add(story.Narrative))
            {
                texts.Add(story);
            }
        }
        TextStories = texts;
    }

    public IReadOnlyDictionary<StoryTask, IReadOnlyList<DemoTaskItem>> Items { get; }

    /// <summary>Whole stories (narrative, questions and answers) for perplexity and analysis.</summary>
    public IReadOnlyList<Story> TextStories { get; }

    /// <summary>The held-out text file's content: stories separated by blank lines.</summary>
    public string Text => string.Join("\n\n", TextStories.Select(s => s.Text)) + "\n";

    public bool Contains(Story story) => narratives.Contains(story.Narrative);

    /// <summary>Keeps one more story out of training (tests use it to check the skipping).</summary>
    internal void Reserve(Story story) => narratives.Add(story.Narrative);
}
