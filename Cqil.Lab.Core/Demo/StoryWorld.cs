namespace Cqil.Lab.Core.Demo;

/// <summary>
/// The state of a story while it is being told: where each person is, who holds each thing or where it lies,
/// and each thing's colour, with the history of every answerable value (the source of distractors).
/// </summary>
internal sealed class StoryWorld
{
    private readonly Dictionary<string, string> placeOf = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string?> holderOf = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> lyingAt = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> colourOf = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<string>> history = new(StringComparer.Ordinal);
    private bool recording;

    public StoryWorld(string[] people, string[] places, string[] things)
    {
        People = people;
        Places = places;
        Things = things;
    }

    public string[] People { get; }

    /// <summary>The places this story uses (a few, so people meet and things are found).</summary>
    public string[] Places { get; }

    public string[] Things { get; }

    /// <summary>Places the narrative has named so far.</summary>
    public HashSet<string> MentionedPlaces { get; } = new(StringComparer.Ordinal);

    public string PlaceOf(string person) => placeOf[person];

    public string? HolderOf(string thing) => holderOf[thing];

    public string ColourOf(string thing) => colourOf[thing];

    /// <summary>Where a thing is: where it lies, or where its holder is.</summary>
    public string PlaceOfThing(string thing) => holderOf[thing] is { } holder ? placeOf[holder] : lyingAt[thing];

    public int CountHeldBy(string person) => Things.Count(t => holderOf.GetValueOrDefault(t) == person);

    public IEnumerable<string> ThingsHeldBy(string person) => Things.Where(t => holderOf.GetValueOrDefault(t) == person);

    public IEnumerable<string> ThingsLyingAt(string place) => Things.Where(t => holderOf.ContainsKey(t) && holderOf[t] is null && lyingAt[t] == place);

    public IEnumerable<string> PeopleAt(string place) => People.Where(p => placeOf[p] == place);

    public void PutPerson(string person, string place)
    {
        placeOf[person] = place;
        MentionedPlaces.Add(place);
        Record();
    }

    public void PaintThing(string thing, string colour)
    {
        colourOf[thing] = colour;
        Record();
    }

    public void GiveThingTo(string thing, string? holder, string? place = null)
    {
        holderOf[thing] = holder;
        if (holder is null)
        {
            lyingAt[thing] = place ?? throw new ArgumentNullException(nameof(place), "a thing nobody holds lies somewhere");
            MentionedPlaces.Add(lyingAt[thing]);
        }
        Record();
    }

    /// <summary>Earlier values of an answer, most recent first, without repeats and without the current one.</summary>
    public IEnumerable<string> EarlierValues(StoryTask task, string subject)
    {
        if (!history.TryGetValue(Key(task, subject), out var values))
        {
            yield break;
        }
        var seen = new HashSet<string>(StringComparer.Ordinal) { values[^1] };
        for (int i = values.Count - 2; i >= 0; i--)
        {
            if (seen.Add(values[i]))
            {
                yield return values[i];
            }
        }
    }

    /// <summary>The current answer to a task's question about a subject (a person or a thing).</summary>
    public string? Answer(StoryTask task, string subject) => task switch
    {
        StoryTask.WhoHas => holderOf.TryGetValue(subject, out var h) ? h ?? StoryLexicon.Nobody : null,
        StoryTask.WherePerson => placeOf.GetValueOrDefault(subject),
        StoryTask.WhatColour => colourOf.GetValueOrDefault(subject),
        StoryTask.WhereObject => holderOf.ContainsKey(subject) && (holderOf[subject] is null || placeOf.ContainsKey(holderOf[subject]!)) ? PlaceOfThing(subject) : null,
        StoryTask.HowMany => placeOf.ContainsKey(subject) ? StoryLexicon.Numbers[CountHeldBy(subject)] : null,
        _ => throw new ArgumentOutOfRangeException(nameof(task)),
    };

    /// <summary>
    /// Starts keeping answer histories, from the state the intro describes. The intro's sentences come in
    /// random order, so the partial states while it is set up are not states a reader has seen.
    /// </summary>
    public void StartRecording()
    {
        recording = true;
        Record();
    }

    // Appends every answer that changed, so each value's history lists the states a reader has seen.
    private void Record()
    {
        if (!recording)
        {
            return;
        }
        foreach (var task in StoryTasks.All)
        {
            foreach (var subject in task is StoryTask.WherePerson or StoryTask.HowMany ? People : Things)
            {
                if (Answer(task, subject) is not { } value)
                {
                    continue;
                }
                string key = Key(task, subject);
                if (!history.TryGetValue(key, out var values))
                {
                    history[key] = values = [];
                }
                if (values.Count == 0 || values[^1] != value)
                {
                    values.Add(value);
                }
            }
        }
    }

    private static string Key(StoryTask task, string subject) => StoryTasks.Name(task) + "/" + subject;
}
