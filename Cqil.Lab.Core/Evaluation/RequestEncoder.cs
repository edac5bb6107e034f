using Cqil.Lab.Core.Tokenization;

namespace Cqil.Lab.Core.Evaluation;

/// <summary>
/// Tokenizes requests the way lm-eval v0.4.1's Hugging Face model does: no BOS; trailing whitespace of the
/// context moves to the front of the continuation; the continuation's tokens are those of
/// encode(context + continuation) after the first len(encode(context)) tokens (never encode(continuation)
/// alone: SentencePiece would add a leading space piece). An empty context becomes the end-of-text token.
/// </summary>
public sealed class RequestEncoder
{
    private readonly TextTokenizer tokenizer;

    public RequestEncoder(TextTokenizer tokenizer)
    {
        this.tokenizer = tokenizer;
        EndOfText = tokenizer.EosIds.Count > 0 ? tokenizer.EosIds[0]
            : tokenizer.BosId ?? throw new InvalidInputException($"{tokenizer.Source}: the tokenizer has neither an end-of-sequence nor a beginning-of-sequence token, which lm-eval scoring needs as end-of-text");
    }

    /// <summary>lm-eval's eot_token_id (the tokenizer's EOS): the context of empty-context requests and the prefix of rolling windows.</summary>
    public int EndOfText { get; }

    public int[] Encode(string text) => tokenizer.Encode(text, addBos: false);

    public TokenRequest Encode(LoglikelihoodRequest request) => Encode(request.Context, request.Continuation);

    public TokenRequest Encode(string context, string continuation)
    {
        if (context.Length == 0)
        {
            return new TokenRequest([EndOfText], Encode(continuation));
        }
        int spaces = context.Length - context.TrimEnd().Length;
        if (spaces > 0)
        {
            continuation = context[^spaces..] + continuation;
            context = context[..^spaces];
        }
        int[] whole = Encode(context + continuation);
        int[] contextIds = Encode(context);
        int[] continuationIds = contextIds.Length <= whole.Length ? whole[contextIds.Length..] : [];
        return new TokenRequest(contextIds, continuationIds);
    }
}
