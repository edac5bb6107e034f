using System.Security.Cryptography;
using System.Text;
using Cqil.Lab.Core.Tokenization;

namespace Cqil.Lab.Core.Analysis;

/// <summary>
/// Token samples to run through a model for analysis, with the identity of the text they came from. Each
/// sample is at most <see cref="SequenceLength"/> tokens and starts with BOS when the tokenizer's family
/// uses one; shorter samples are padded in batches.
/// </summary>
public sealed class CalibrationSet
{
    private CalibrationSet(string source, string dataHash, IReadOnlyList<int[]> samples, int sequenceLength, bool bosPrepended)
    {
        Source = source;
        DataHash = dataHash;
        Samples = samples;
        SequenceLength = sequenceLength;
        BosPrepended = bosPrepended;
    }

    /// <summary>Where the text came from ("file:…", "task:…", "demo"…).</summary>
    public string Source { get; }

    /// <summary>SHA-256 of the source text(s): the data identity recorded with every result.</summary>
    public string DataHash { get; }

    public IReadOnlyList<int[]> Samples { get; }

    public int SequenceLength { get; }

    public bool BosPrepended { get; }

    public int TotalTokens => Samples.Sum(s => s.Length);

    /// <summary>A prefix of the samples (what a smaller analysis of the same data sees).</summary>
    public CalibrationSet Take(int count) => new(Source, DataHash, Samples.Take(count).ToArray(), SequenceLength, BosPrepended);

    /// <summary>
    /// Consecutive windows of one running text. The text is tokenized paragraph by paragraph (so a huge file
    /// is never one tokenizer call) and only as far as <paramref name="maxSamples"/> windows need.
    /// </summary>
    public static CalibrationSet FromText(string text, string source, TextTokenizer tokenizer, int sequenceLength, int maxSamples)
    {
        Check(sequenceLength, maxSamples);
        text = text.Replace("\r\n", "\n", StringComparison.Ordinal);
        bool bos = tokenizer.AddBosByDefault && tokenizer.BosId is not null;
        int body = sequenceLength - (bos ? 1 : 0);
        var stream = new List<int>();
        foreach (var paragraph in text.Split("\n\n", StringSplitOptions.RemoveEmptyEntries))
        {
            if (stream.Count >= (long)body * maxSamples)
            {
                break;
            }
            if (paragraph.Trim().Length > 0)
            {
                stream.AddRange(tokenizer.Encode(paragraph, addBos: false));
            }
        }
        var samples = new List<int[]>();
        for (int at = 0; at < stream.Count && samples.Count < maxSamples; at += body)
        {
            var window = stream.GetRange(at, Math.Min(body, stream.Count - at));
            if (window.Count < 2)
            {
                break;
            }
            samples.Add(bos ? [tokenizer.BosId!.Value, .. window] : [.. window]);
        }
        if (samples.Count == 0)
        {
            throw new InvalidInputException($"{source}: no text to analyse");
        }
        return new CalibrationSet(source, Hash(text), samples, sequenceLength, bos);
    }

    /// <summary>One sample per text (a task's contexts, say), each cut to the sequence length.</summary>
    public static CalibrationSet FromTexts(IEnumerable<string> texts, string source, TextTokenizer tokenizer, int sequenceLength, int maxSamples)
    {
        Check(sequenceLength, maxSamples);
        bool bos = tokenizer.AddBosByDefault && tokenizer.BosId is not null;
        var samples = new List<int[]>();
        var used = new List<string>();
        foreach (var text in texts)
        {
            if (samples.Count >= maxSamples)
            {
                break;
            }
            var ids = tokenizer.Encode(text, addBos: bos);
            if (ids.Length < 2)
            {
                continue;
            }
            samples.Add(ids.Length > sequenceLength ? ids[..sequenceLength] : ids);
            used.Add(text);
        }
        if (samples.Count == 0)
        {
            throw new InvalidInputException($"{source}: no text to analyse");
        }
        return new CalibrationSet(source, Hash(string.Join('\0', used)), samples, sequenceLength, bos);
    }

    /// <summary>Samples given directly as token ids (tests, synthetic data).</summary>
    public static CalibrationSet FromIds(IReadOnlyList<int[]> samples, string source, int sequenceLength, bool bosPrepended = false)
    {
        Check(sequenceLength, samples.Count);
        var hash = Hash(string.Join(';', samples.Select(s => string.Join(',', s))));
        return new CalibrationSet(source, hash, samples, sequenceLength, bosPrepended);
    }

    private static void Check(int sequenceLength, int maxSamples)
    {
        if (sequenceLength < 2)
        {
            throw new InvalidInputException($"sequence length must be at least 2, got {sequenceLength}");
        }
        if (maxSamples < 1)
        {
            throw new InvalidInputException($"sample count must be at least 1, got {maxSamples}");
        }
    }

    private static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}
