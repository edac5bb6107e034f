namespace Cqil.Lab.Core.Demo;

/// <summary>
/// The words of the demo story language. Every word is one token of the demo tokenizer, so an answer is a
/// single token and a story of a hundred-odd tokens holds a dozen facts.
/// </summary>
public static class StoryLexicon
{
    public static readonly string[] Names =
        ["Tom", "Ann", "Ben", "Sue", "Max", "Lily", "Sam", "Mia", "Leo", "Zoe", "Dan", "Eva", "Jack", "Kim", "Ned", "Rose"];

    public static readonly string[] Places =
        ["kitchen", "garden", "park", "school", "shop", "library", "cellar", "forest", "barn", "attic"];

    public static readonly string[] Objects =
        ["ball", "book", "apple", "cup", "kite", "hat", "box", "key", "doll", "drum", "shoe", "bell"];

    public static readonly string[] Colours =
        ["red", "blue", "green", "yellow", "pink", "black", "white", "brown"];

    /// <summary>Counts as words, for "how many" answers (a person holds at most as many things as a story has).</summary>
    public static readonly string[] Numbers = ["zero", "one", "two", "three"];

    /// <summary>The answer to "who has" when an object lies somewhere.</summary>
    public const string Nobody = "nobody";

    /// <summary>The words that start a question ("where Ben", "who ball", "colour ball", "many Mia"); the answer follows the next word.</summary>
    public static readonly string[] QuestionWords = ["where", "who", "colour", "many"];

    /// <summary>Characters written between words: sentence ends, the question/answer layout.</summary>
    public static readonly string[] Punctuation = [".", "\n"];

    public static IEnumerable<string> AllWords() =>
        Names.Concat(Places).Concat(Objects).Concat(Colours).Concat(Numbers).Append(Nobody).Concat(QuestionWords).Distinct(StringComparer.Ordinal);
}
