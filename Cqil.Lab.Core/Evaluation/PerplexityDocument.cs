namespace Cqil.Lab.Core.Evaluation;

/// <summary>
/// A document scored by rolling log-likelihood (lm-eval loglikelihood_rolling). <paramref name="Text"/> is what
/// is tokenized and scored; <paramref name="Words"/> and <paramref name="Bytes"/> are counted on the original
/// document (lm-eval counts WikiText words before detokenization) and normalise the perplexities.
/// </summary>
public sealed record PerplexityDocument(int Index, string Id, string Text, int Words, int Bytes) : EvalItem(Index, Id)
{
    /// <summary>lm-eval's counts: words = len(re.split(r"\s+", doc)), bytes = len(doc.encode("utf-8")).</summary>
    public static PerplexityDocument FromText(int index, string id, string original, string scored) =>
        new(index, id, scored, System.Text.RegularExpressions.Regex.Split(original, @"\s+").Length, System.Text.Encoding.UTF8.GetByteCount(original));
}
