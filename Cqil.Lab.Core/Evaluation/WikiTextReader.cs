using System.Text;

namespace Cqil.Lab.Core.Evaluation;

/// <summary>
/// WikiText-2 raw (lm-eval "wikitext": EleutherAI/wikitext_document_level, test split, one document per
/// Wikipedia page, scored by rolling log-likelihood after lm-eval's detokenizer). Accepted layouts:
/// <list type="bullet">
/// <item>the Hugging Face rows joined by blank lines ("\n\n".join(rows) of wikitext-2-raw-v1, the text of HF's
/// perplexity recipe), CRLF or LF: the original raw file is rebuilt from the rows (an empty row is a " " line);</item>
/// <item>the original wiki.test.raw (blank lines are " ");</item>
/// <item>JSONL with one {"page"} per line (the document-level export) or one {"text"} row per line.</item>
/// </list>
/// Pages start at every top-level heading line (" = Title = ", not " = = Section = = "), as the
/// document-level data set splits them.
/// </summary>
public static class WikiTextReader
{
    public static EvalTask Read(string path)
    {
        string text = JsonRecords.ReadAllText(path).Replace("\r\n", "\n", StringComparison.Ordinal);
        string format;
        IReadOnlyList<string> pages;
        if (text.TrimStart('\uFEFF').TrimStart().StartsWith('{'))
        {
            var records = JsonRecords.ReadLines(path);
            if (records[0].Has("page"))
            {
                format = "wikitext-document-jsonl";
                pages = records.Select(r => r.String("page")).ToArray();
            }
            else
            {
                format = "wikitext-rows-jsonl";
                pages = SplitPages(RawFromRows(records.Select(r => r.String("text"))));
            }
        }
        else if (text.Contains("\n \n", StringComparison.Ordinal))
        {
            format = "wikitext-raw";
            pages = SplitPages(text);
        }
        else
        {
            format = "wikitext-hf-rows-joined";
            pages = SplitPages(RawFromRows(RowsFromJoined(path, text)));
        }
        var items = pages.Select((page, i) => (EvalItem)PerplexityDocument.FromText(i, i.ToString(System.Globalization.CultureInfo.InvariantCulture), page, LmEvalPrompts.WikiTextDetokenize(page))).ToArray();
        if (items.Length == 0)
        {
            throw InvalidInputException.ForFile(path, "no pages found");
        }
        return new EvalTask("wikitext", TaskKind.Perplexity, format, [DataSource.Of(path)], items, ["word_perplexity", "byte_perplexity", "bits_per_byte", "token_perplexity"]);
    }

    /// <summary>
    /// Splits "\n\n".join(rows) back into rows: a non-empty row is one line ending in "\n"; an empty row is
    /// nothing between two separators.
    /// </summary>
    public static IReadOnlyList<string> RowsFromJoined(string path, string joined)
    {
        var rows = new List<string>();
        int i = 0, line = 1;
        while (true)
        {
            if (i == joined.Length)
            {
                rows.Add("");
                break;
            }
            if (string.CompareOrdinal(joined, i, "\n\n", 0, 2) == 0)
            {
                rows.Add("");
            }
            else
            {
                int end = joined.IndexOf('\n', i);
                if (end < 0)
                {
                    throw InvalidInputException.ForFile($"{path}:{line}", "not the Hugging Face rows layout: a row does not end with a newline");
                }
                rows.Add(joined.Substring(i, end + 1 - i));
                line++;
                i = end + 1;
                if (i == joined.Length)
                {
                    break;
                }
                if (string.CompareOrdinal(joined, i, "\n\n", 0, 2) != 0)
                {
                    throw InvalidInputException.ForFile($"{path}:{line}", "not the Hugging Face rows layout (rows joined by blank lines)");
                }
            }
            i += 2;
            line += 2;
        }
        return rows;
    }

    /// <summary>The raw file from its rows: a row keeps its text; an empty row stands for a blank " " line.</summary>
    public static string RawFromRows(IEnumerable<string> rows)
    {
        var sb = new StringBuilder();
        foreach (string row in rows)
        {
            sb.Append(row.Length == 0 ? " \n" : row.EndsWith('\n') ? row : row + "\n");
        }
        return sb.ToString();
    }

    /// <summary>Pages of a raw file: a new page starts at each top-level heading; blank pages are dropped.</summary>
    public static IReadOnlyList<string> SplitPages(string raw)
    {
        var pages = new List<string>();
        var current = new List<string>();
        foreach (string line in raw.Split('\n'))
        {
            string r = line.Replace("= = =", "===", StringComparison.Ordinal).Replace("= =", "==", StringComparison.Ordinal).Trim();
            if (r.StartsWith("= ", StringComparison.Ordinal) && r.EndsWith(" =", StringComparison.Ordinal))
            {
                string page = string.Join('\n', current);
                if (page.Trim().Length > 0)
                {
                    pages.Add(page);
                }
                current.Clear();
            }
            current.Add(line);
        }
        string last = string.Join('\n', current);
        if (last.Trim().Length > 0)
        {
            pages.Add(last);
        }
        return pages;
    }
}
