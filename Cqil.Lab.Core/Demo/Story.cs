namespace Cqil.Lab.Core.Demo;

/// <summary>
/// A generated story: the narrative (intro and events, one line) and questions about its final state. A
/// question is a new line "where Ben": a task item's context is the narrative and a question, and its
/// continuation is " " + the answer.
/// Training stories may also carry probes: questions about the state so far, answered between sentences.
/// </summary>
public sealed record Story(string Narrative, IReadOnlyList<StoryQuestion> Questions, string? ProbedNarrative = null)
{
    /// <summary>The narrative (with its probes, if any) followed by every question and its answer: what the model is trained on.</summary>
    public string Text => (ProbedNarrative ?? Narrative) + string.Concat(Questions.Select(q => QuestionPrompt(q) + " " + q.Answer));

    /// <summary>The narrative and one question, ending with the question's subject (a task item's context).</summary>
    public string Context(StoryQuestion question) => Narrative + QuestionPrompt(question);

    public StoryQuestion Question(StoryTask task) => Questions.First(q => q.Task == task);

    internal static string QuestionPrompt(StoryQuestion q) => "\n" + q.Question;
}
