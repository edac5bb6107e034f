namespace Cqil.Lab.Core.Demo;

/// <summary>
/// The kinds of question a demo story answers. Each needs facts from several sentences: the latest of
/// several updates (who has it now, where someone went last, its colour after repainting), a chain of two
/// facts (an object is where its holder went), or a count over events.
/// </summary>
public enum StoryTask
{
    /// <summary>"Who has the ball?": the last person it was taken by or given to, or nobody once put down.</summary>
    WhoHas,

    /// <summary>"Where is Tom?": the place Tom went to last.</summary>
    WherePerson,

    /// <summary>"What colour is the ball?": its first colour or the last it was painted.</summary>
    WhatColour,

    /// <summary>"Where is the ball?": where it was put down, or where its holder is now (two facts chained).</summary>
    WhereObject,

    /// <summary>"How many things does Tom have?": takes and receipts minus drops and gifts.</summary>
    HowMany,
}

public static class StoryTasks
{
    public static readonly StoryTask[] All = Enum.GetValues<StoryTask>();

    /// <summary>The task's file and report name (who-has, where-person, …).</summary>
    public static string Name(StoryTask task) => task switch
    {
        StoryTask.WhoHas => "who-has",
        StoryTask.WherePerson => "where-person",
        StoryTask.WhatColour => "what-colour",
        StoryTask.WhereObject => "where-object",
        StoryTask.HowMany => "how-many",
        _ => throw new ArgumentOutOfRangeException(nameof(task)),
    };

    public static StoryTask Parse(string name) =>
        All.FirstOrDefault(t => Name(t) == name.Trim().ToLowerInvariant(), (StoryTask)(-1)) is var task && task >= 0
            ? task
            : throw new InvalidInputException($"task '{name}': expected one of {string.Join(", ", All.Select(Name))}");
}
