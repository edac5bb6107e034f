namespace Cqil.Lab.Core.Demo;

/// <summary>
/// One question about a story with its answer and the strongest wrong answer the story offers (a state that
/// held earlier, such as the previous holder or the place someone left), used as the second choice.
/// </summary>
public sealed record StoryQuestion(StoryTask Task, string Question, string Answer, string Distractor);
