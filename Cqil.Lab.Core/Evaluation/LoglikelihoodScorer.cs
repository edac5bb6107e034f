using Cqil.Lab.Core.Model;
using static TorchSharp.torch;

namespace Cqil.Lab.Core.Evaluation;

/// <summary>
/// Scores log-likelihood requests with any <see cref="ICausalLm"/> (the baseline or a CQIL plan), grouped by
/// document. In <see cref="ScoringMode.SharedPrefix"/> the tokens all requests of a document share (its
/// context; for WinoGrande the sentence before the blank) run once into a KV cache, the cache is repeated once
/// per request (<see cref="KvCache.RepeatBatch"/>), and only each request's own tokens run after it. Documents
/// are batched (longest first, so a batch holds similar lengths): shared prefixes left-padded in one pass,
/// then every request's remaining tokens right-padded in a second. Inputs longer than the model's context are
/// cut from the left as lm-eval does ((context + continuation)[-(max_length + 1):][:-1]).
/// Runs on the calling thread (put it on the model's <see cref="Runtime.DeviceWorker"/>).
/// </summary>
public sealed class LoglikelihoodScorer
{
    private readonly ICausalLm lm;
    private readonly ScoringOptions options;

    public LoglikelihoodScorer(ICausalLm lm, ScoringOptions? options = null)
    {
        this.lm = lm;
        this.options = options ?? new ScoringOptions();
        this.options.Validate();
        MaxLength = this.options.MaxLength ?? lm.Model.Config.MaxPositions;
    }

    /// <summary>Longest input the model sees, in tokens.</summary>
    public int MaxLength { get; }

    /// <summary>Forward passes run so far.</summary>
    public int Forwards { get; private set; }

    /// <summary>Token positions computed so far, padding included.</summary>
    public long TokensComputed { get; private set; }

    /// <summary>
    /// Scores every request of every group; groups are documents whose requests may share a prefix.
    /// <paramref name="progress"/> receives the number of requests scored after each batch; cancellation is
    /// checked between batches.
    /// </summary>
    public RequestScore[][] Score(IReadOnlyList<IReadOnlyList<TokenRequest>> groups, Action<int>? progress = null, CancellationToken cancellationToken = default)
    {
        var plans = groups.Select((g, i) => Plan(i, g)).ToArray();
        var results = groups.Select(g => new RequestScore[g.Count]).ToArray();
        int vocab = lm.Model.Config.VocabSize;
        var order = plans.OrderByDescending(p => p.Longest).ThenBy(p => p.Group).ToArray();
        int done = 0;
        using var noGrad = no_grad();
        for (int start = 0; start < order.Length;)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int count = 1;
            while (start + count < order.Length && count < options.BatchSize && Fits(order.AsSpan(start, count + 1)))
            {
                count++;
            }
            var batch = order.AsSpan(start, count).ToArray();
            ScoreBatch(batch, results);
            start += count;
            done += batch.Sum(p => p.Rows.Length);
            progress?.Invoke(done);
        }
        return results;
    }

    /// <summary>Whether a batch of these groups keeps its largest transient tensors within the budgets.</summary>
    private bool Fits(ReadOnlySpan<GroupPlan> batch)
    {
        long groups = batch.Length, rows = 0, prefix = 0, rest = 0;
        foreach (var plan in batch)
        {
            rows = Math.Max(rows, plan.Rows.Length);
            prefix = Math.Max(prefix, plan.Prefix.Length);
            rest = Math.Max(rest, plan.LongestRemainder);
        }
        rows *= groups;
        long heads = lm.Model.Config.NumHeads, vocab = lm.Model.Config.VocabSize;
        // The engine's prefill attention holds score blocks of up to 256 query rows against every key.
        long prefillScores = groups * heads * Math.Min(prefix, 256) * prefix;
        long restScores = rows * heads * Math.Min(rest, 256) * (prefix + rest);
        long logits = rows * rest * vocab;
        return Math.Max(prefillScores, restScores) <= options.MaxAttentionElements && logits <= options.MaxLogitElements;
    }

    private sealed record RowPlan(int[] Full, int ContinuationStart, int[] Remainder)
    {
        public int Targets => Full.Length - ContinuationStart;
    }

    private sealed record GroupPlan(int Group, int[] Prefix, RowPlan[] Rows)
    {
        public int Longest => Prefix.Length + LongestRemainder;

        public int LongestRemainder => Rows.Length == 0 ? 0 : Rows.Max(r => r.Remainder.Length);
    }

    private GroupPlan Plan(int group, IReadOnlyList<TokenRequest> requests)
    {
        var fulls = new int[requests.Count][];
        var starts = new int[requests.Count];
        for (int i = 0; i < requests.Count; i++)
        {
            var (context, continuation) = (requests[i].Context, requests[i].Continuation);
            if (continuation.Length > MaxLength)
            {
                throw new InvalidInputException($"a continuation of {continuation.Length} tokens is longer than the model's context ({MaxLength} tokens)");
            }
            if (context.Length == 0)
            {
                throw new ArgumentException("every request needs at least one context token (lm-eval uses end-of-text for an empty context)");
            }
            int[] full = [.. context, .. continuation];
            if (full.Length > MaxLength + 1)
            {
                full = full[^(MaxLength + 1)..];
            }
            fulls[i] = full;
            starts[i] = full.Length - continuation.Length;
        }
        int prefix = 0;
        if (options.Mode == ScoringMode.SharedPrefix && requests.Count > 0)
        {
            // Longest common prefix of the inputs (full minus its last token), but never past a continuation's
            // start: logits inside the shared prefix are only kept for its last position.
            prefix = starts.Min();
            for (int i = 0; i < fulls.Length; i++)
            {
                int limit = Math.Min(prefix, fulls[i].Length - 1);
                int same = 0;
                while (same < limit && fulls[i][same] == fulls[0][same])
                {
                    same++;
                }
                prefix = same;
            }
        }
        var rows = fulls.Select((f, i) => new RowPlan(f, starts[i], f[prefix..^1])).ToArray();
        return new GroupPlan(group, prefix == 0 ? [] : fulls[0][..prefix], rows);
    }

    private void ScoreBatch(GroupPlan[] batch, RequestScore[][] results)
    {
        using var scope = NewDisposeScope();
        var device = lm.Model.Device;
        int b = batch.Length;
        int k = batch.Max(p => p.Rows.Length);
        int prefixWidth = batch.Max(p => p.Prefix.Length);
        int restWidth = batch.Max(p => p.LongestRemainder);
        int vocab = lm.Model.Config.VocabSize;
        KvCache? cache = null;
        float[]? lastLogProbs = null;
        float[]? rowLogProbs = null;
        long[]? rowArgmax = null;
        try
        {
            if (prefixWidth > 0)
            {
                // Shared prefixes, left-padded so every last real token sits at the end.
                var ids = new long[b * prefixWidth];
                var mask = new bool[b * prefixWidth];
                bool padded = false;
                for (int g = 0; g < b; g++)
                {
                    int[] prefix = batch[g].Prefix;
                    int offset = g * prefixWidth + prefixWidth - prefix.Length;
                    padded |= prefix.Length < prefixWidth;
                    for (int t = 0; t < prefix.Length; t++)
                    {
                        ids[offset + t] = prefix[t];
                        mask[offset + t] = true;
                    }
                }
                cache = lm.NewCache(b, prefixWidth + Math.Max(restWidth, 1));
                var logits = lm.Forward(tensor(ids, [b, prefixWidth], ScalarType.Int64, device), cache,
                    padded ? tensor(mask, [b, prefixWidth], device: device) : null, LogitsFor.LastPosition);
                lastLogProbs = logits.view(b, vocab).log_softmax(-1).cpu().data<float>().ToArray();
                Forwards++;
                TokensComputed += (long)b * prefixWidth;
            }
            if (restWidth > 0)
            {
                if (cache is not null && k > 1)
                {
                    cache.RepeatBatch(k);
                }
                int rows = b * k;
                var ids = new long[rows * restWidth];
                var targets = new long[rows * restWidth];
                var mask = new bool[rows * restWidth];
                bool padded = false;
                for (int g = 0; g < b; g++)
                {
                    var plan = batch[g];
                    for (int r = 0; r < k; r++)
                    {
                        int offset = (g * k + r) * restWidth;
                        if (r >= plan.Rows.Length)
                        {
                            padded = true;
                            continue;
                        }
                        var row = plan.Rows[r];
                        padded |= row.Remainder.Length < restWidth;
                        int p = plan.Prefix.Length;
                        for (int t = 0; t < row.Remainder.Length; t++)
                        {
                            ids[offset + t] = row.Remainder[t];
                            targets[offset + t] = row.Full[p + t + 1];
                            mask[offset + t] = true;
                        }
                    }
                }
                var logits = lm.Forward(tensor(ids, [rows, restWidth], ScalarType.Int64, device), cache,
                    padded ? tensor(mask, [rows, restWidth], device: device) : null, LogitsFor.AllPositions);
                // log p(target) = logit(target) − logsumexp(logits), in float32, without a second [rows, T, V] tensor.
                var target = tensor(targets, [rows, restWidth, 1], ScalarType.Int64, device);
                var picked = logits.gather(2, target).squeeze(2);
                var logProbs = picked - logits.logsumexp(2);
                rowLogProbs = logProbs.cpu().data<float>().ToArray();
                rowArgmax = logits.argmax(2).cpu().data<long>().ToArray();
                Forwards++;
                TokensComputed += (long)rows * restWidth;
            }
        }
        finally
        {
            cache?.Dispose();
        }

        for (int g = 0; g < b; g++)
        {
            var plan = batch[g];
            int p = plan.Prefix.Length;
            for (int r = 0; r < plan.Rows.Length; r++)
            {
                var row = plan.Rows[r];
                double sum = 0;
                bool greedy = true;
                for (int q = row.ContinuationStart - 1; q < row.Full.Length - 1; q++)
                {
                    int next = row.Full[q + 1];
                    if (q == p - 1)
                    {
                        int at = g * vocab;
                        sum += lastLogProbs![at + next];
                        greedy &= ArgMax(lastLogProbs, at, vocab) == next;
                    }
                    else
                    {
                        int at = (g * k + r) * restWidth + (q - p);
                        sum += rowLogProbs![at];
                        greedy &= rowArgmax![at] == next;
                    }
                }
                results[plan.Group][r] = new RequestScore(sum, greedy, row.Targets);
            }
        }
    }

    private static int ArgMax(float[] values, int offset, int count)
    {
        int best = 0;
        for (int i = 1; i < count; i++)
        {
            if (values[offset + i] > values[offset + best])
            {
                best = i;
            }
        }
        return best;
    }
}
