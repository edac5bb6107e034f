using Cqil.Lab.Core.Evaluation;
using Cqil.Lab.Tests.Fixtures;

namespace Cqil.Lab.Tests.Evaluation;

/// <summary>Prompt construction against hand-written expected strings (lm-eval v0.4.1 templates).</summary>
public sealed class PromptTests
{
    [Fact]
    public void Piqa_arc_and_boolq_templates()
    {
        Assert.Equal("Question: How do I open a jar?\nAnswer:", LmEvalPrompts.Piqa("How do I open a jar?"));
        Assert.Equal("Question: Which gas do plants absorb?\nAnswer:", LmEvalPrompts.Arc("Which gas do plants absorb?"));
        Assert.Equal("Ethanol is a fuel.\nQuestion: does ethanol take more energy make that produces?\nAnswer:",
            LmEvalPrompts.BoolQ("Ethanol is a fuel.", "does ethanol take more energy make that produces"));
        Assert.Equal(["no", "yes"], LmEvalPrompts.BoolQChoices);
    }

    [Fact]
    public void Multiple_choice_continuations_are_space_then_choice()
    {
        var item = MultipleChoiceItem.SharedContext(0, "x", "Question: q\nAnswer:", ["no", "yes"], 1);
        Assert.Equal([new LoglikelihoodRequest("Question: q\nAnswer:", " no"), new LoglikelihoodRequest("Question: q\nAnswer:", " yes")], item.Requests);
        Assert.Equal(["no", "yes"], item.Choices);
    }

    [Fact]
    public void HellaSwag_query_capitalises_ctx_b_and_cleans_up()
    {
        Assert.Equal("Roof shingle removal: A man is sitting on a roof. He",
            LmEvalPrompts.HellaSwagQuery("Roof shingle removal", "A man is sitting on a roof.", "he"));
        // capitalize() lower-cases the rest of ctx_b, as Python's str.capitalize does.
        Assert.Equal("Clean and jerk: A lady walks to a barbell. The lady in red",
            LmEvalPrompts.HellaSwagQuery("Clean and jerk", "A lady walks to a barbell.", "the Lady in Red"));
        // Empty ctx_b: the trailing space is stripped.
        Assert.Equal("Health: How to relax. Breathe slowly.",
            LmEvalPrompts.HellaSwagQuery("Health", "[header] How to relax [title] Breathe slowly.", ""));
        // Strip runs first, so the space left where "[header]" was stays (as in lm-eval).
        Assert.Equal(" How to relax. Breathe slowly. Count to ten.",
            LmEvalPrompts.HellaSwagPreprocess("  [header] How to relax [title] Breathe slowly. [step] Count to ten. "));
        // Shortest bracket match, then one pass of double-space removal ("   " → "  ").
        Assert.Equal("a b  c", LmEvalPrompts.HellaSwagPreprocess("a [x] b [y][z]   c"));
    }

    [Fact]
    public void HellaSwag_text_layout_context_recovers_ctx_b()
    {
        Assert.Equal("Roof shingle removal: A man is sitting on a roof. He", HellaSwagReader.QueryFromJoinedContext("Roof shingle removal: A man is sitting on a roof. he"));
        Assert.Equal("Clean and jerk: A lady walks to a barbell. She bends down and grabs the pole. The lady",
            HellaSwagReader.QueryFromJoinedContext("Clean and jerk: A lady walks to a barbell. She bends down and grabs the pole. the lady"));
        // A context that ends a sentence (ctx_b empty) is left as it is.
        Assert.Equal("Health: How to use aromatherapy. Know what oils help. Basil works against Fatigue.",
            HellaSwagReader.QueryFromJoinedContext("Health: How to use aromatherapy. Know what oils help. Basil works against Fatigue."));
        Assert.Equal("Family Life: Visit a site like to find activities.", HellaSwagReader.QueryFromJoinedContext("Family Life: Visit a site like [www.kiddio.org] to find activities."));
    }

    [Fact]
    public void WinoGrande_partial_scoring_splits_at_the_blank()
    {
        var (contexts, continuation) = LmEvalPrompts.WinoGrande("Sarah was a much better surgeon than Maria so _ always got the easier cases.", "Sarah", "Maria");
        Assert.Equal(["Sarah was a much better surgeon than Maria so Sarah", "Sarah was a much better surgeon than Maria so Maria"], contexts);
        Assert.Equal(" always got the easier cases.", continuation);
        var (_, trailing) = LmEvalPrompts.WinoGrande("The cup is bigger than the bottle, so _ .", "cup", "bottle");
        Assert.Equal(" .", trailing);
    }

    [Fact]
    public void Lambada_target_is_the_last_space_separated_word()
    {
        Assert.Equal(("I look at him. I don't care about", " signs"), LmEvalPrompts.Lambada("I look at him. I don't care about signs"));
        // Split on single spaces only (text.split(' ')): a newline stays inside a word.
        Assert.Equal(("said the\nman to", " her"), LmEvalPrompts.Lambada("said the\nman to her"));
    }

    [Fact]
    public void WikiText_detokenizer_restores_the_raw_text()
    {
        Assert.Equal(" = Robert Boulter =\n\nRobert Boulter is an English film, television and theatre actor. He had a guest-starring role in 2,000.5 (born 1980) on \"The Bill\".\n",
            LmEvalPrompts.WikiTextDetokenize(" = Robert Boulter = \n \n Robert Boulter is an English film , television and theatre actor . He had a guest @-@ starring role in 2 @,@ 000 @.@ 5 ( born 1980 ) on \" The Bill \" . \n"));
        Assert.Equal(" == Career ==\n=== 2000s === ", LmEvalPrompts.WikiTextDetokenize(" = = Career = = \n = = = 2000s = = = "));
        Assert.Equal("the players's 1 goals", LmEvalPrompts.WikiTextDetokenize("the players 's N goals"));
    }

    [Fact]
    public void Python_capitalize()
    {
        Assert.Equal("He", LmEvalPrompts.PythonCapitalize("he"));
        Assert.Equal("The man in the red shirt", LmEvalPrompts.PythonCapitalize("the man in the Red Shirt"));
        Assert.Equal("", LmEvalPrompts.PythonCapitalize(""));
    }

    [Fact]
    public void Perplexity_documents_count_words_and_bytes_like_lm_eval()
    {
        // re.split(r"\s+", " a b ") = ['', 'a', 'b', ''] → 4; bytes are UTF-8.
        var doc = PerplexityDocument.FromText(0, "0", " a b ", "a b");
        Assert.Equal(4, doc.Words);
        Assert.Equal(5, doc.Bytes);
        Assert.Equal(3, PerplexityDocument.FromText(0, "0", "Zoë x", "").Words + PerplexityDocument.FromText(0, "0", "", "").Words);
        Assert.Equal(6, PerplexityDocument.FromText(0, "0", "Zoë x", "").Bytes);
    }
}
