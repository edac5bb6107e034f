namespace Cqil.Lab.Core.Evaluation;

/// <summary>
/// The plain-text perplexity task ("text"), for custom data: a text file is one document (CRLF → LF); a
/// .jsonl file gives one document per line from its "text" field. Scored like WikiText (rolling
/// log-likelihood) but without any detokenization.
/// </summary>
public static class PlainTextReader
{
    public static EvalTask Read(string path)
    {
        IReadOnlyList<string> documents;
        string format;
        if (path.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase))
        {
            documents = JsonRecords.ReadLines(path).Select(r => r.String("text")).ToArray();
            format = "text-jsonl";
        }
        else
        {
            string text = JsonRecords.ReadAllText(path).Replace("\r\n", "\n", StringComparison.Ordinal);
            if (text.Trim().Length == 0)
            {
                throw InvalidInputException.ForFile(path, "no text (the file is empty)");
            }
            documents = [text];
            format = "text-file";
        }
        var items = documents.Select((d, i) => (EvalItem)PerplexityDocument.FromText(i, i.ToString(System.Globalization.CultureInfo.InvariantCulture), d, d)).ToArray();
        return new EvalTask("text", TaskKind.Perplexity, format, [DataSource.Of(path)], items, ["word_perplexity", "byte_perplexity", "bits_per_byte", "token_perplexity"]);
    }
}
