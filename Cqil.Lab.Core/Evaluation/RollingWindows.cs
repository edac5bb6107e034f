namespace Cqil.Lab.Core.Evaluation;

/// <summary>
/// lm-eval's rolling log-likelihood windows (get_rolling_token_windows with context_len 1, then
/// make_disjoint_window): every token of a document is predicted exactly once. The first window predicts
/// tokens [0, L) after the end-of-text token; each next window predicts the next L tokens after the one
/// token before them; the last, shorter window takes earlier tokens as extra context so its input is still
/// L tokens long.
/// </summary>
public static class RollingWindows
{
    public static IReadOnlyList<TokenRequest> For(int[] tokens, int prefixToken, int maxLength)
    {
        if (maxLength < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(maxLength), "windows need a positive length");
        }
        var windows = new List<TokenRequest>();
        if (tokens.Length == 0)
        {
            return windows;
        }
        int first = Math.Min(maxLength, tokens.Length);
        windows.Add(new TokenRequest([prefixToken], tokens[..first]));
        int predicted = first;
        while (predicted < tokens.Length)
        {
            int count = Math.Min(tokens.Length - predicted, maxLength);
            int end = predicted + count;
            // Input window tokens[end-L-1, end-1); the continuation is its last `count` targets, the rest context.
            int inputStart = end - maxLength - 1;
            int contextLength = maxLength - count + 1;
            windows.Add(new TokenRequest(tokens[inputStart..(inputStart + contextLength)], tokens[predicted..end]));
            predicted = end;
        }
        return windows;
    }
}
