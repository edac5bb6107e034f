using Cqil.Lab.Core.Tokenization;

namespace Cqil.Lab.Core.Demo;

/// <summary>
/// The endless training stream: fresh stories from the seed's training stream, each tokenized on its own
/// (no BOS; it starts at position 0, as a task context does) and ended with EOS, skipping held-out stories.
/// Rows are right-padded to the longest story in the batch; padding is never a target. Answers weigh one in the
/// loss, every other token <paramref name="contextWeight"/>: most other tokens are random draws (who acts, where
/// to, which colour, which question next) whose gradients are pure noise once the grammar is learned, and at full
/// weight that noise drowns the signal of looking facts up (measured: no progress in 500 steps).
/// </summary>
public sealed class TrainingStories(ulong seed, TextTokenizer tokenizer, HeldOutStories heldOut, float contextWeight = 1, double probeRate = 0, string stream = "training")
{
    // The question words as tokens after a newline: the token after a question word's subject is an answer.
    private readonly HashSet<int> questionWords = StoryLexicon.QuestionWords.Select(w => tokenizer.Encode("\n" + w, addBos: false)[^1]).ToHashSet();

    private readonly SplitMix64 random = SplitMix64.Derive(seed, stream);
    private readonly int eos = tokenizer.EosIds.Count > 0 ? tokenizer.EosIds[0] : throw new InvalidOperationException("the demo tokenizer has no EOS");

    /// <summary>Held-out stories met (and skipped) so far.</summary>
    public int Skipped { get; private set; }

    public int[] NextStory(int minEvents = StoryGenerator.MinEvents, int maxEvents = StoryGenerator.MaxEvents) => NextTokenizedStory(minEvents, maxEvents);

    private int[] NextTokenizedStory(int minEvents, int maxEvents)
    {
        while (true)
        {
            var story = StoryGenerator.Generate(random, minEvents, maxEvents, probeRate);
            if (heldOut.Contains(story))
            {
                Skipped++;
                continue;
            }
            return [.. tokenizer.Encode(story.Text, addBos: false), eos];
        }
    }

    public TrainingBatch NextBatch(int rows, int minEvents = StoryGenerator.MinEvents, int maxEvents = StoryGenerator.MaxEvents)
    {
        var stories = Enumerable.Range(0, rows).Select(_ => NextTokenizedStory(minEvents, maxEvents)).ToArray();
        int width = stories.Max(s => s.Length) - 1;
        var inputs = new long[rows * width];
        var targets = new long[rows * width];
        var weights = new float[rows * width];
        Array.Fill(targets, TrainingBatch.Ignored);
        int real = 0;
        for (int b = 0; b < rows; b++)
        {
            var ids = stories[b];
            for (int t = 0; t + 1 < ids.Length; t++)
            {
                inputs[b * width + t] = ids[t];
                targets[b * width + t] = ids[t + 1];
                bool answerNext = t >= 1 && questionWords.Contains(ids[t - 1]);
                weights[b * width + t] = answerNext ? 1 : contextWeight;
            }
            real += ids.Length - 1;
        }
        return new TrainingBatch(inputs, targets, weights, rows, width, real);
    }
}
