using Cqil.Lab.Core.Demo;

namespace Cqil.Lab.Tests.Demo;

/// <summary>
/// Reads a demo narrative fact by fact ("subject value.") and keeps the world state — a second, independent
/// implementation of the language's meaning to check the generator's answers against. The intro's facts come
/// first (one per person, two per thing); every later fact is an event and must be possible.
/// </summary>
internal sealed class StoryReplay
{
    private const int IntroFacts = StoryGenerator.PeoplePerStory + 2 * StoryGenerator.ThingsPerStory;

    private readonly Dictionary<string, string> place = new();
    private readonly Dictionary<string, string?> holder = new();
    private readonly Dictionary<string, string> lying = new();
    private readonly Dictionary<string, string> colour = new();

    public static StoryReplay Read(string narrative)
    {
        var replay = new StoryReplay();
        var facts = narrative.Split('.', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        for (int i = 0; i < facts.Length; i++)
        {
            var words = facts[i].Split(' ');
            Assert.True(words.Length == 2, $"fact not in the language: '{facts[i]}'");
            replay.Apply(words[0], words[1], isEvent: i >= IntroFacts);
        }
        return replay;
    }

    private void Apply(string subject, string value, bool isEvent)
    {
        if (StoryLexicon.Names.Contains(subject))
        {
            Assert.Contains(value, StoryLexicon.Places);
            if (isEvent)
            {
                Assert.NotEqual(place[subject], value); // going somewhere else
            }
            place[subject] = value;
        }
        else if (StoryLexicon.Colours.Contains(value))
        {
            if (isEvent)
            {
                Assert.NotNull(holder[subject]); // painted by its holder
                Assert.NotEqual(colour[subject], value);
            }
            colour[subject] = value;
        }
        else if (StoryLexicon.Names.Contains(value))
        {
            if (isEvent)
            {
                // Taken where it lies, or given by its holder to someone in the same place.
                string from = holder[subject] is { } h ? place[h] : lying[subject];
                Assert.Equal(from, place[value]);
            }
            holder[subject] = value;
        }
        else
        {
            Assert.Contains(value, StoryLexicon.Places);
            if (isEvent)
            {
                // Put down by its holder where the holder is.
                Assert.Equal(place[holder[subject]!], value);
            }
            holder[subject] = null;
            lying[subject] = value;
        }
    }

    public string Answer(StoryQuestion q)
    {
        var words = q.Question.Split(' ');
        Assert.Equal(2, words.Length);
        string subject = words[1];
        return (words[0], StoryLexicon.Names.Contains(subject)) switch
        {
            ("who", false) => holder[subject] ?? StoryLexicon.Nobody,
            ("where", false) => holder[subject] is { } h ? place[h] : lying[subject],
            ("where", true) => place[subject],
            ("colour", false) => colour[subject],
            ("many", true) => StoryLexicon.Numbers[holder.Values.Count(h => h == subject)],
            _ => throw new InvalidOperationException($"question not in the language: '{q.Question}'"),
        };
    }
}
