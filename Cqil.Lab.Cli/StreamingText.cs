using Cqil.Lab.Core.Tokenization;

namespace Cqil.Lab.Cli;

/// <summary>
/// Prints generated text as tokens arrive. Decoding the whole sequence and printing what is new keeps
/// tokenizer rules (leading-space stripping, multi-byte characters split over byte tokens) intact.
/// </summary>
public sealed class StreamingText
{
    private readonly TextTokenizer tokenizer;
    private readonly List<int> ids;
    private readonly TextWriter? output;
    private int printed;

    public StreamingText(TextTokenizer tokenizer, IEnumerable<int> promptIds, TextWriter? output)
    {
        this.tokenizer = tokenizer;
        ids = [.. promptIds];
        this.output = output;
        if (output is not null)
        {
            Flush(final: false);
        }
    }

    public void Add(int id)
    {
        ids.Add(id);
        if (output is not null)
        {
            Flush(final: false);
        }
    }

    public void Finish()
    {
        if (output is not null)
        {
            Flush(final: true);
            output.WriteLine();
        }
    }

    private void Flush(bool final)
    {
        string text = tokenizer.Decode(ids);
        int end = text.Length;
        // Hold back a trailing replacement character: the next byte token may complete it.
        if (!final && end > 0 && text[end - 1] == '\uFFFD')
        {
            end--;
        }
        if (end > printed)
        {
            output!.Write(text.AsSpan(printed, end - printed));
            output.Flush();
            printed = end;
        }
    }
}
