using System.Text.RegularExpressions;
using Cqil.Lab.Core.Demo;

namespace Cqil.Lab.Tests.Demo;

/// <summary>
/// Reads a demo narrative sentence by sentence with regular expressions and keeps the world state — a second,
/// independent implementation of the language's meaning to check the generator's answers against.
/// </summary>
internal sealed partial class StoryReplay
{
    private readonly Dictionary<string, string> place = new();
    private readonly Dictionary<string, string?> holder = new();
    private readonly Dictionary<string, string> lying = new();
    private readonly Dictionary<string, string> colour = new();

    public static StoryReplay Read(string narrative)
    {
        var replay = new StoryReplay();
        foreach (Match sentence in Sentence().Matches(narrative))
        {
            replay.Apply(sentence.Value.Trim());
        }
        return replay;
    }

    private void Apply(string s)
    {
        Match m;
        if ((m = Is().Match(s)).Success) place[m.Groups[1].Value] = m.Groups[2].Value;
        else if ((m = Has().Match(s)).Success) { colour[m.Groups[3].Value] = m.Groups[2].Value; holder[m.Groups[3].Value] = m.Groups[1].Value; }
        else if ((m = There().Match(s)).Success) { colour[m.Groups[2].Value] = m.Groups[1].Value; holder[m.Groups[2].Value] = null; lying[m.Groups[2].Value] = m.Groups[3].Value; }
        else if ((m = Go().Match(s)).Success) place[m.Groups[1].Value] = m.Groups[2].Value;
        else if ((m = Take().Match(s)).Success) { Assert.Equal(place[m.Groups[1].Value], lying[m.Groups[2].Value]); Assert.Null(holder[m.Groups[2].Value]); holder[m.Groups[2].Value] = m.Groups[1].Value; }
        else if ((m = Drop().Match(s)).Success) { Assert.Equal(m.Groups[1].Value, holder[m.Groups[2].Value]); holder[m.Groups[2].Value] = null; lying[m.Groups[2].Value] = place[m.Groups[1].Value]; }
        else if ((m = Give().Match(s)).Success) { Assert.Equal(m.Groups[1].Value, holder[m.Groups[2].Value]); Assert.Equal(place[m.Groups[1].Value], place[m.Groups[3].Value]); holder[m.Groups[2].Value] = m.Groups[3].Value; }
        else if ((m = Paint().Match(s)).Success) { Assert.Equal(m.Groups[1].Value, holder[m.Groups[2].Value]); colour[m.Groups[2].Value] = m.Groups[3].Value; }
        else Assert.Fail($"sentence not in the language: '{s}'");
    }

    public string Answer(StoryQuestion q)
    {
        Match m;
        if ((m = WhoHasQ().Match(q.Question)).Success) return holder[m.Groups[1].Value] ?? StoryLexicon.Nobody;
        if ((m = WhereThingQ().Match(q.Question)).Success) return holder[m.Groups[1].Value] is { } h ? place[h] : lying[m.Groups[1].Value];
        if ((m = WherePersonQ().Match(q.Question)).Success) return place[m.Groups[1].Value];
        if ((m = ColourQ().Match(q.Question)).Success) return colour[m.Groups[1].Value];
        if ((m = HowManyQ().Match(q.Question)).Success) return StoryLexicon.Numbers[holder.Values.Count(h => h == m.Groups[1].Value)];
        throw new InvalidOperationException($"question not in the language: '{q.Question}'");
    }

    [GeneratedRegex(@"[^.]+\.")] private static partial Regex Sentence();
    [GeneratedRegex(@"^(\w+) is in the (\w+)\.$")] private static partial Regex Is();
    [GeneratedRegex(@"^(\w+) has a (\w+) (\w+)\.$")] private static partial Regex Has();
    [GeneratedRegex(@"^There is a (\w+) (\w+) in the (\w+)\.$")] private static partial Regex There();
    [GeneratedRegex(@"^(\w+) (?:goes|walks|runs) to the (\w+)\.$")] private static partial Regex Go();
    [GeneratedRegex(@"^(\w+) (?:picks up|takes) the (\w+)\.$")] private static partial Regex Take();
    [GeneratedRegex(@"^(\w+) (?:puts down|drops) the (\w+)\.$")] private static partial Regex Drop();
    [GeneratedRegex(@"^(\w+) gives the (\w+) to (\w+)\.$")] private static partial Regex Give();
    [GeneratedRegex(@"^(\w+) paints the (\w+) (\w+)\.$")] private static partial Regex Paint();
    [GeneratedRegex(@"^Who has the (\w+)\?$")] private static partial Regex WhoHasQ();
    [GeneratedRegex(@"^Where is the (\w+)\?$")] private static partial Regex WhereThingQ();
    [GeneratedRegex(@"^Where is (\w+)\?$")] private static partial Regex WherePersonQ();
    [GeneratedRegex(@"^What colour is the (\w+)\?$")] private static partial Regex ColourQ();
    [GeneratedRegex(@"^How many things does (\w+) have\?$")] private static partial Regex HowManyQ();
}
