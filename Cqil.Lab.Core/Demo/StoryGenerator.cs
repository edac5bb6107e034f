namespace Cqil.Lab.Core.Demo;

/// <summary>
/// Tells random stories in the demo language: three people and two things in a few places, introduced in
/// random order, then 6–10 events (going somewhere, taking, putting down, giving, painting), then one
/// question of every task about the final state, in random order. Only events that are possible happen (one
/// takes a thing lying where one is, gives it to someone in the same place), so every answer is determined.
/// The language is terse on purpose: every fact is "subject value." ("Ben park." Ben is in the park now;
/// "ball Mia." Mia has the ball; "ball red."; "ball school." the ball lies in the school) and every question
/// ends with its subject ("where Ben", "who ball", "colour ball", "where ball", "many Mia"), so the answer
/// follows its subject as values do in facts. Measured with English phrasing ("Ben is in the park.",
/// "Where is Ben?\nAnswer:"), small models did not learn to bind a value to a subject four tokens before it
/// within the training budget; with the subject right before its value they do (see the README).
/// </summary>
public static class StoryGenerator
{
    public const int PeoplePerStory = 3;
    public const int ThingsPerStory = 2;
    public const int PlacesPerStory = 4;
    public const int MinEvents = 6;
    public const int MaxEvents = 10;

    private enum EventKind { Go, Take, PutDown, Give, Paint }

    // Relative frequency of each kind of event among those possible at a step.
    private static readonly (EventKind Kind, int Weight)[] EventWeights =
        [(EventKind.Go, 4), (EventKind.Take, 3), (EventKind.Give, 2), (EventKind.PutDown, 1), (EventKind.Paint, 1)];

    /// <summary>A story with <see cref="MinEvents"/>–<see cref="MaxEvents"/> events (the held-out stories' length).</summary>
    public static Story Generate(SplitMix64 random) => Generate(random, MinEvents, MaxEvents);

    /// <summary>
    /// A story with <paramref name="minEvents"/>–<paramref name="maxEvents"/> events (training also tells shorter
    /// ones). With <paramref name="probeRate"/> above zero, a question about the state so far follows the intro and
    /// each event with that probability (training stories): every probe is a supervised lookup, many per story
    /// instead of five at its end, and the early ones are answered by the intro alone, a built-in curriculum.
    /// </summary>
    public static Story Generate(SplitMix64 random, int minEvents, int maxEvents, double probeRate = 0)
    {
        var world = new StoryWorld(
            random.Sample(StoryLexicon.Names, PeoplePerStory),
            random.Sample(StoryLexicon.Places, PlacesPerStory),
            random.Sample(StoryLexicon.Objects, ThingsPerStory));
        var sentences = Introduce(world, random);
        var probed = new System.Text.StringBuilder(string.Join(" ", sentences));
        Probe(world, random, probeRate, probed, []);
        int events = random.Between(minEvents, maxEvents);
        for (int i = 0; i < events; i++)
        {
            var before = probeRate > 0 ? AllAnswers(world) : [];
            string sentence = Happen(world, random);
            sentences.Add(sentence);
            probed.Append(probed[^1] == '\n' ? "" : " ").Append(sentence);
            var changed = probeRate > 0 ? AllAnswers(world).Where(a => !before.Contains(a)).Select(a => (a.Task, a.Subject)).ToArray() : [];
            Probe(world, random, probeRate, probed, changed);
        }
        var questions = random.Sample(StoryTasks.All, StoryTasks.All.Length).Select(task => Ask(world, task, random)).ToArray();
        string narrative = string.Join(" ", sentences);
        string trainingNarrative = probed.ToString().TrimEnd('\n');
        return new Story(narrative, questions, trainingNarrative == narrative ? null : trainingNarrative);
    }

    // Appends "\nwhere Ben park\n" (a question, its answer) with the given probability: half the time about a value the last event
    // changed (a lookup a few tokens back, learned first), otherwise about a random task and subject.
    private static void Probe(StoryWorld world, SplitMix64 random, double probeRate, System.Text.StringBuilder text, (StoryTask Task, string Subject)[] changed)
    {
        if (probeRate <= 0 || random.NextDouble() >= probeRate)
        {
            return;
        }
        StoryQuestion question;
        if (changed.Length > 0 && random.NextInt(2) == 0)
        {
            var (task, subject) = random.Pick(changed);
            question = Ask(world, task, random, subject);
        }
        else
        {
            question = Ask(world, random.Pick(StoryTasks.All), random);
        }
        text.Append(Story.QuestionPrompt(question)).Append(' ').Append(question.Answer).Append('\n');
    }

    private static HashSet<(StoryTask Task, string Subject, string Answer)> AllAnswers(StoryWorld world) =>
        StoryTasks.All.SelectMany(task => (task is StoryTask.WherePerson or StoryTask.HowMany ? world.People : world.Things)
            .Select(subject => (task, subject, world.Answer(task, subject) ?? ""))).ToHashSet();

    // The intro's facts are set in a fixed order (people first: a held thing is where its holder is) and told
    // in random order.
    private static List<string> Introduce(StoryWorld world, SplitMix64 random)
    {
        var told = new List<string>();
        foreach (var person in world.People)
        {
            string place = random.Pick(world.Places);
            world.PutPerson(person, place);
            told.Add($"{person} {place}.");
        }
        foreach (var thing in world.Things)
        {
            string colour = random.Pick(StoryLexicon.Colours);
            world.PaintThing(thing, colour);
            if (random.NextInt(2) == 0)
            {
                string holder = random.Pick(world.People);
                world.GiveThingTo(thing, holder);
                told.Add($"{thing} {colour}. {thing} {holder}.");
            }
            else
            {
                // Half the lying things lie where someone starts, so there is something to pick up.
                string place = random.NextInt(2) == 0 ? world.PlaceOf(random.Pick(world.People)) : random.Pick(world.Places);
                world.GiveThingTo(thing, null, place);
                told.Add($"{thing} {colour}. {thing} {place}.");
            }
        }
        world.StartRecording();
        return random.Sample(told, told.Count).ToList();
    }

    private static string Happen(StoryWorld world, SplitMix64 random)
    {
        var possible = new List<(EventKind Kind, List<Func<string>> Options)>();
        foreach (var (kind, _) in EventWeights)
        {
            possible.Add((kind, Options(world, kind, random)));
        }
        int total = EventWeights.Where((w, i) => possible[i].Options.Count > 0).Sum(w => w.Weight);
        int pick = random.NextInt(total);
        for (int i = 0; i < EventWeights.Length; i++)
        {
            if (possible[i].Options.Count == 0)
            {
                continue;
            }
            if (pick < EventWeights[i].Weight)
            {
                return random.Pick(possible[i].Options)();
            }
            pick -= EventWeights[i].Weight;
        }
        throw new InvalidOperationException("no possible event (going somewhere is always possible)");
    }

    // Each option applies its event to the world when called and returns the sentence that tells it.
    private static List<Func<string>> Options(StoryWorld world, EventKind kind, SplitMix64 random)
    {
        var options = new List<Func<string>>();
        foreach (var person in world.People)
        {
            string here = world.PlaceOf(person);
            switch (kind)
            {
                case EventKind.Go:
                    foreach (var place in world.Places.Where(p => p != here))
                    {
                        options.Add(() =>
                        {
                            world.PutPerson(person, place);
                            return $"{person} {place}.";
                        });
                    }
                    break;
                case EventKind.Take:
                    foreach (var thing in world.ThingsLyingAt(here))
                    {
                        options.Add(() =>
                        {
                            world.GiveThingTo(thing, person);
                            return $"{thing} {person}.";
                        });
                    }
                    break;
                case EventKind.PutDown:
                    foreach (var thing in world.ThingsHeldBy(person))
                    {
                        options.Add(() =>
                        {
                            world.GiveThingTo(thing, null, here);
                            return $"{thing} {here}.";
                        });
                    }
                    break;
                case EventKind.Give:
                    foreach (var thing in world.ThingsHeldBy(person))
                    {
                        foreach (var other in world.PeopleAt(here).Where(o => o != person))
                        {
                            options.Add(() =>
                            {
                                world.GiveThingTo(thing, other);
                                return $"{thing} {other}.";
                            });
                        }
                    }
                    break;
                case EventKind.Paint:
                    foreach (var thing in world.ThingsHeldBy(person))
                    {
                        options.Add(() =>
                        {
                            string colour = random.Pick(StoryLexicon.Colours.Where(c => c != world.ColourOf(thing)).ToArray());
                            world.PaintThing(thing, colour);
                            return $"{thing} {colour}.";
                        });
                    }
                    break;
            }
        }
        return options;
    }

    private static StoryQuestion Ask(StoryWorld world, StoryTask task, SplitMix64 random, string? subject = null)
    {
        bool aboutPerson = task is StoryTask.WherePerson or StoryTask.HowMany;
        subject ??= random.Pick(aboutPerson ? world.People : world.Things);
        string answer = world.Answer(task, subject)!;
        string question = task switch
        {
            StoryTask.WhoHas => $"who {subject}",
            StoryTask.WherePerson => $"where {subject}",
            StoryTask.WhatColour => $"colour {subject}",
            StoryTask.WhereObject => $"where {subject}",
            StoryTask.HowMany => $"many {subject}",
            _ => throw new ArgumentOutOfRangeException(nameof(task)),
        };
        return new StoryQuestion(task, question, answer, Distractor(world, task, subject, answer, random));
    }

    // The most recent earlier value of the answer; failing that, another value the story makes plausible.
    private static string Distractor(StoryWorld world, StoryTask task, string subject, string answer, SplitMix64 random)
    {
        if (world.EarlierValues(task, subject).FirstOrDefault() is { } earlier)
        {
            return earlier;
        }
        string[] candidates = task switch
        {
            StoryTask.WhoHas => [.. world.People, StoryLexicon.Nobody],
            StoryTask.WherePerson or StoryTask.WhereObject => world.MentionedPlaces.Order(StringComparer.Ordinal).ToArray(),
            StoryTask.WhatColour => world.Things.Select(world.ColourOf).ToArray(),
            StoryTask.HowMany => StoryLexicon.Numbers.Take(world.Things.Length + 1).ToArray(),
            _ => throw new ArgumentOutOfRangeException(nameof(task)),
        };
        var others = candidates.Where(c => c != answer).Distinct(StringComparer.Ordinal).ToArray();
        if (others.Length == 0)
        {
            others = (task switch
            {
                StoryTask.WherePerson or StoryTask.WhereObject => world.Places,
                StoryTask.WhatColour => StoryLexicon.Colours,
                _ => throw new InvalidOperationException($"no distractor for {StoryTasks.Name(task)}"),
            }).Where(c => c != answer).ToArray();
        }
        return random.Pick(others);
    }
}
