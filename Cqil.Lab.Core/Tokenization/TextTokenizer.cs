using Microsoft.ML.Tokenizers;

namespace Cqil.Lab.Core.Tokenization;

/// <summary>
/// A Microsoft.ML.Tokenizers tokenizer plus the conventions its model family uses: which id is BOS, whether
/// BOS starts a prompt, which ids end generation. The inner tokenizer never adds special tokens itself, so
/// callers choose: prompts get BOS per convention, log-likelihood scoring (lm-eval style) asks for none.
/// </summary>
public sealed class TextTokenizer
{
    private readonly HashSet<int> hiddenIds;

    public TextTokenizer(Tokenizer inner, string source, string kind, int vocabSize, int? bosId, IReadOnlyList<int> eosIds, bool addBosByDefault, IEnumerable<int>? specialIds = null)
    {
        Inner = inner;
        Source = source;
        Kind = kind;
        VocabSize = vocabSize;
        BosId = bosId;
        EosIds = eosIds;
        AddBosByDefault = addBosByDefault && bosId is not null;
        hiddenIds = new HashSet<int>(specialIds ?? []);
        if (bosId is int b)
        {
            hiddenIds.Add(b);
        }
        foreach (int e in eosIds)
        {
            hiddenIds.Add(e);
        }
    }

    public Tokenizer Inner { get; }

    /// <summary>The file it was read from.</summary>
    public string Source { get; }

    /// <summary>"sentencepiece", "huggingface-bpe" or "llama2c".</summary>
    public string Kind { get; }

    public int VocabSize { get; }

    public int? BosId { get; }

    public IReadOnlyList<int> EosIds { get; }

    /// <summary>Whether the model family starts every prompt with BOS.</summary>
    public bool AddBosByDefault { get; }

    /// <summary>Token ids of <paramref name="text"/>, with BOS first when <paramref name="addBos"/> (default: the family's convention).</summary>
    public int[] Encode(string text, bool? addBos = null)
    {
        var ids = Inner.EncodeToIds(text, considerPreTokenization: true, considerNormalization: true);
        bool bos = (addBos ?? AddBosByDefault) && BosId is not null;
        var result = new int[ids.Count + (bos ? 1 : 0)];
        int at = 0;
        if (bos)
        {
            result[at++] = BosId!.Value;
        }
        foreach (int id in ids)
        {
            result[at++] = id;
        }
        return result;
    }

    /// <summary>Text of <paramref name="ids"/> without BOS/EOS and other special tokens.</summary>
    public string Decode(IEnumerable<int> ids) => Inner.Decode(ids.Where(i => !hiddenIds.Contains(i)));

    public bool IsEndOfSequence(int id) => EosIds.Contains(id);

    /// <summary>The same tokenizer that also ends sequences at <paramref name="extraEos"/> (ids a model config adds).</summary>
    public TextTokenizer WithExtraEos(IEnumerable<int> extraEos, int? bosFallback)
    {
        var eos = EosIds.Union(extraEos).ToArray();
        return eos.Length == EosIds.Count && (BosId is not null || bosFallback is null)
            ? this
            : new TextTokenizer(Inner, Source, Kind, VocabSize, BosId ?? bosFallback, eos, AddBosByDefault, hiddenIds);
    }
}
