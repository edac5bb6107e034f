using System.Text;
using System.Text.RegularExpressions;

namespace Cqil.Lab.Core.Evaluation;

/// <summary>
/// Prompt construction of lm-evaluation-harness v0.4.1, task by task (its YAML templates and preprocessing
/// functions, restated here). Every string a task scores is built by one of these functions.
/// </summary>
public static partial class LmEvalPrompts
{
    /// <summary>PIQA: "Question: {goal}\nAnswer:"; choices sol1, sol2.</summary>
    public static string Piqa(string goal) => $"Question: {goal}\nAnswer:";

    /// <summary>ARC-Easy and ARC-Challenge: "Question: {question}\nAnswer:"; choices are the answer texts.</summary>
    public static string Arc(string question) => $"Question: {question}\nAnswer:";

    /// <summary>BoolQ: "{passage}\nQuestion: {question}?\nAnswer:"; choices "no", "yes" (gold 1 when the answer is true).</summary>
    public static string BoolQ(string passage, string question) => $"{passage}\nQuestion: {question}?\nAnswer:";

    public static IReadOnlyList<string> BoolQChoices { get; } = ["no", "yes"];

    /// <summary>
    /// HellaSwag's query: preprocess(activity_label + ": " + ctx_a + " " + capitalize(ctx_b)), where capitalize
    /// is Python's str.capitalize (first character upper case, the rest lower case).
    /// </summary>
    public static string HellaSwagQuery(string activityLabel, string ctxA, string ctxB) =>
        HellaSwagPreprocess(activityLabel + ": " + ctxA + " " + PythonCapitalize(ctxB));

    /// <summary>
    /// HellaSwag's cleanup of queries and endings: strip, " [title]" → ". ", drop every "[…]" (shortest match),
    /// then replace each double space by one (a single pass, as Python's str.replace does).
    /// </summary>
    public static string HellaSwagPreprocess(string text)
    {
        text = text.Trim();
        text = text.Replace(" [title]", ". ", StringComparison.Ordinal);
        text = BracketTag().Replace(text, "");
        return text.Replace("  ", " ", StringComparison.Ordinal);
    }

    /// <summary>Python's str.capitalize: first character upper case, every other character lower case.</summary>
    public static string PythonCapitalize(string text)
    {
        if (text.Length == 0)
        {
            return text;
        }
        var sb = new StringBuilder(text.Length);
        sb.Append(char.ToUpperInvariant(text[0]));
        sb.Append(text.AsSpan(1).ToString().ToLowerInvariant());
        return sb.ToString();
    }

    /// <summary>
    /// WinoGrande partial scoring: each option replaces "_" and ends its context there (sentence[:i] + option);
    /// the shared continuation is the rest of the sentence after "_", stripped, after the usual " ".
    /// </summary>
    public static (string[] Contexts, string Continuation) WinoGrande(string sentence, string option1, string option2)
    {
        int blank = sentence.IndexOf('_', StringComparison.Ordinal);
        if (blank < 0)
        {
            throw new ArgumentException("a WinoGrande sentence needs a \"_\" blank", nameof(sentence));
        }
        string prefix = sentence[..blank];
        string target = sentence[(blank + 1)..].Trim();
        return ([prefix + option1, prefix + option2], LmEvalSemantics.TargetDelimiter + target);
    }

    /// <summary>
    /// LAMBADA (OpenAI): words are split on single spaces (text.split(' ')); the context is all but the last
    /// word joined by spaces and the target is " " + the last word.
    /// </summary>
    public static (string Context, string Target) Lambada(string text)
    {
        int last = text.LastIndexOf(' ');
        return last < 0 ? ("", LmEvalSemantics.TargetDelimiter + text) : (text[..last], LmEvalSemantics.TargetDelimiter + text[(last + 1)..]);
    }

    /// <summary>lm-eval's WikiText detokenizer, applied to a page before it is scored (words/bytes are counted before).</summary>
    public static string WikiTextDetokenize(string page)
    {
        string s = page;
        // contractions
        s = s.Replace("s '", "s'", StringComparison.Ordinal);
        s = QuoteDigit().Replace(s, "/'[0-9]/"); // lm-eval's (literal) pattern /' [0-9]/, kept as it is
        // number separators
        s = s.Replace(" @-@ ", "-", StringComparison.Ordinal);
        s = s.Replace(" @,@ ", ",", StringComparison.Ordinal);
        s = s.Replace(" @.@ ", ".", StringComparison.Ordinal);
        // punctuation
        s = s.Replace(" : ", ": ", StringComparison.Ordinal);
        s = s.Replace(" ; ", "; ", StringComparison.Ordinal);
        s = s.Replace(" . ", ". ", StringComparison.Ordinal);
        s = s.Replace(" ! ", "! ", StringComparison.Ordinal);
        s = s.Replace(" ? ", "? ", StringComparison.Ordinal);
        s = s.Replace(" , ", ", ", StringComparison.Ordinal);
        // brackets and quotes hug their contents
        s = Parenthesised().Replace(s, "($1)");
        s = Bracketed().Replace(s, "[$1]");
        s = Braced().Replace(s, "{$1}");
        s = DoubleQuoted().Replace(s, "\"$1\"");
        s = SingleQuoted().Replace(s, "'$1'");
        // headings and the rest
        s = s.Replace("= = = =", "====", StringComparison.Ordinal);
        s = s.Replace("= = =", "===", StringComparison.Ordinal);
        s = s.Replace("= =", "==", StringComparison.Ordinal);
        s = s.Replace(" \u00b0 ", "\u00b0", StringComparison.Ordinal);
        s = s.Replace(" \n", "\n", StringComparison.Ordinal);
        s = s.Replace("\n ", "\n", StringComparison.Ordinal);
        s = s.Replace(" N ", " 1 ", StringComparison.Ordinal);
        s = s.Replace(" 's", "'s", StringComparison.Ordinal);
        return s;
    }

    [GeneratedRegex(@"\[.*?\]")]
    private static partial Regex BracketTag();

    [GeneratedRegex(@"/' [0-9]/")]
    private static partial Regex QuoteDigit();

    [GeneratedRegex(@"\(\s*([^\)]*?)\s*\)")]
    private static partial Regex Parenthesised();

    [GeneratedRegex(@"\[\s*([^\]]*?)\s*\]")]
    private static partial Regex Bracketed();

    [GeneratedRegex(@"{\s*([^}]*?)\s*}")]
    private static partial Regex Braced();

    [GeneratedRegex("\"\\s*([^\"]*?)\\s*\"")]
    private static partial Regex DoubleQuoted();

    [GeneratedRegex(@"'\s*([^']*?)\s*'")]
    private static partial Regex SingleQuoted();
}
