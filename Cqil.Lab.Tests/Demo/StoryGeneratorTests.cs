using Cqil.Lab.Core;
using Cqil.Lab.Core.Demo;

namespace Cqil.Lab.Tests.Demo;

public sealed class StoryGeneratorTests
{
    [Fact]
    public void The_same_seed_tells_the_same_stories_and_another_seed_others()
    {
        var first = new SplitMix64(42);
        var second = new SplitMix64(42);
        var other = new SplitMix64(43);
        for (int i = 0; i < 20; i++)
        {
            var story = StoryGenerator.Generate(first);
            Assert.Equal(story.Text, StoryGenerator.Generate(second).Text);
            Assert.NotEqual(story.Text, StoryGenerator.Generate(other).Text);
        }
    }

    [Fact]
    public void Every_story_asks_each_task_once_and_the_distractor_is_a_different_answer()
    {
        var random = new SplitMix64(7);
        for (int i = 0; i < 300; i++)
        {
            var story = StoryGenerator.Generate(random);
            Assert.Equal(StoryTasks.All.Order(), story.Questions.Select(q => q.Task).Order());
            foreach (var q in story.Questions)
            {
                Assert.NotEqual(q.Answer, q.Distractor);
                Assert.False(string.IsNullOrWhiteSpace(q.Distractor));
            }
            Assert.DoesNotContain("\n\n", story.Text);
        }
    }

    [Fact]
    public void Answers_follow_the_events_of_a_replayed_story()
    {
        // An independent reading of the narrative: replay each sentence and compare with the generator's answers.
        var random = new SplitMix64(11);
        for (int i = 0; i < 300; i++)
        {
            var story = StoryGenerator.Generate(random);
            var state = StoryReplay.Read(story.Narrative);
            foreach (var q in story.Questions)
            {
                Assert.Equal(state.Answer(q), q.Answer);
            }
        }
    }

    [Fact]
    public void Distractors_are_often_an_earlier_state_so_recency_matters()
    {
        var random = new SplitMix64(5);
        int earlier = 0, total = 0;
        for (int i = 0; i < 400; i++)
        {
            var story = StoryGenerator.Generate(random);
            var q = story.Question(StoryTask.WherePerson);
            string person = q.Question["where ".Length..];
            total++;
            if (story.Narrative.Contains($"{person} {q.Distractor}."))
            {
                earlier++;
            }
        }
        Assert.True(earlier > total / 2, $"only {earlier} of {total} where-person distractors were places the story mentions");
    }
}
