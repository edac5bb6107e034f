using Cqil.Lab.Core.Model;
using static TorchSharp.torch;

namespace Cqil.Lab.Core.Evaluation;

/// <summary>
/// Scores log-likelihood requests with any <see cref="ICausalLm"/> (the baseline or a CQIL plan), grouped by
/// document. In <see cref="ScoringMode.SharedPrefix"/> the tokens all requests of a document share (its
/// context; for WinoGrande the sentence before the blank) run once into a KV cache, and every request's own
/// tokens then run in one packed row per document (<see cref="TokenLayout"/>: each request sees the prefix and
/// its own earlier tokens, positions restart after the prefix), so the prefix is neither recomputed nor copied
/// per request. Documents are batched (longest first, so a batch holds similar lengths): shared prefixes
/// left-padded in one pass, the packed requests right-padded in a second. Inputs longer than the model's context are
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
        long groups = batch.Length, prefix = 0, rest = 0;
        foreach (var plan in batch)
        {
            prefix = Math.Max(prefix, plan.Prefix.Length);
            rest = Math.Max(rest, plan.RowWidth(options.Mode));
        }
        long rows = options.Mode == ScoringMode.SharedPrefix ? groups : groups * batch.ToArray().Max(p => p.Rows.Length);
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

        /// <summary>All requests' own tokens side by side (the packed row).</summary>
        public int PackedLength => Rows.Sum(r => r.Remainder.Length);

        /// <summary>Width of this document's second-pass row: packed in shared-prefix mode, else the longest request.</summary>
        public int RowWidth(ScoringMode mode) => mode == ScoringMode.SharedPrefix ? PackedLength : LongestRemainder;
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
        int prefixWidth = batch.Max(p => p.Prefix.Length);
        bool packed = options.Mode == ScoringMode.SharedPrefix;
        int vocab = lm.Model.Config.VocabSize;
        KvCache? cache = null;
        float[]? lastLogProbs = null;
        // Where each (document, request, token) of the second pass landed: row and column in the output.
        var rowOf = new int[b][];
        var columnOf = new int[b][];
        int rows = 0, width = 0;
        float[]? logProbs = null;
        long[]? argmax = null;
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
                cache = lm.NewCache(b, prefixWidth + Math.Max(batch.Max(p => p.RowWidth(options.Mode)), 1));
                var logits = lm.Forward(tensor(ids, [b, prefixWidth], ScalarType.Int64, device), cache,
                    padded ? tensor(mask, [b, prefixWidth], device: device) : null, LogitsFor.LastPosition);
                lastLogProbs = logits.view(b, vocab).log_softmax(-1).cpu().data<float>().ToArray();
                Forwards++;
                TokensComputed += (long)b * prefixWidth;
            }

            width = batch.Max(p => p.RowWidth(options.Mode));
            if (width > 0)
            {
                rows = packed ? b : b * batch.Max(p => p.Rows.Length);
                var ids = new long[rows * width];
                var targets = new long[rows * width];
                var real = new bool[rows * width];
                int[] positions = new int[rows * width];
                int[] segment = new int[rows * width]; // request index within the row; −1 for padding
                Array.Fill(segment, -1);
                for (int g = 0; g < b; g++)
                {
                    var plan = batch[g];
                    int p = plan.Prefix.Length;
                    rowOf[g] = new int[plan.Rows.Length];
                    columnOf[g] = new int[plan.Rows.Length];
                    int column = 0;
                    for (int r = 0; r < plan.Rows.Length; r++)
                    {
                        int row = packed ? g : g * (rows / b) + r;
                        if (!packed)
                        {
                            column = 0;
                        }
                        rowOf[g][r] = row;
                        columnOf[g][r] = column;
                        var request = plan.Rows[r];
                        for (int t = 0; t < request.Remainder.Length; t++)
                        {
                            int at = row * width + column + t;
                            ids[at] = request.Remainder[t];
                            targets[at] = request.Full[p + t + 1];
                            real[at] = true;
                            positions[at] = p + t;
                            segment[at] = r;
                        }
                        column += request.Remainder.Length;
                    }
                }
                var idTensor = tensor(ids, [rows, width], ScalarType.Int64, device);
                Tensor logits;
                if (packed)
                {
                    logits = lm.ForwardPacked(idTensor, cache, Layout(batch, rows, width, prefixWidth, positions, segment, device), LogitsFor.AllPositions);
                }
                else
                {
                    bool padded = real.Any(x => !x);
                    logits = lm.Forward(idTensor, cache, padded ? tensor(real, [rows, width], device: device) : null, LogitsFor.AllPositions);
                }
                // log p(target) = logit(target) − logsumexp(logits), in float32, without a second [rows, T, V] tensor.
                var target = tensor(targets, [rows, width, 1], ScalarType.Int64, device);
                var picked = logits.gather(2, target).squeeze(2);
                logProbs = (picked - logits.logsumexp(2)).cpu().data<float>().ToArray();
                argmax = logits.argmax(2).cpu().data<long>().ToArray();
                Forwards++;
                TokensComputed += (long)rows * width;
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
                var request = plan.Rows[r];
                double sum = 0;
                bool greedy = true;
                for (int q = request.ContinuationStart - 1; q < request.Full.Length - 1; q++)
                {
                    int next = request.Full[q + 1];
                    if (q == p - 1)
                    {
                        int at = g * vocab;
                        sum += lastLogProbs![at + next];
                        greedy &= ArgMax(lastLogProbs, at, vocab) == next;
                    }
                    else
                    {
                        int at = rowOf[g][r] * width + columnOf[g][r] + (q - p);
                        sum += logProbs![at];
                        greedy &= argmax![at] == next;
                    }
                }
                results[plan.Group][r] = new RequestScore(sum, greedy, request.Targets);
            }
        }
    }

    /// <summary>
    /// Positions and visibility of the packed rows: every request of a document sees the document's prefix
    /// (the last <c>p</c> of the left-padded cache slots) and its own earlier tokens; padding sees only itself.
    /// </summary>
    private static TokenLayout Layout(GroupPlan[] batch, int rows, int width, int prefixWidth, int[] positions, int[] segment, Device device)
    {
        var visible = new bool[rows * width * (prefixWidth + width)];
        for (int row = 0; row < rows; row++)
        {
            int prefix = batch[row].Prefix.Length;
            for (int i = 0; i < width; i++)
            {
                int s = segment[row * width + i];
                if (s < 0)
                {
                    continue;
                }
                int baseAt = (row * width + i) * (prefixWidth + width);
                for (int k = prefixWidth - prefix; k < prefixWidth; k++)
                {
                    visible[baseAt + k] = true;
                }
                for (int j = i; j >= 0 && segment[row * width + j] == s; j--)
                {
                    visible[baseAt + prefixWidth + j] = true;
                }
            }
        }
        return new TokenLayout(
            tensor(positions.Select(x => (long)x).ToArray(), [rows, width], ScalarType.Int64, device),
            tensor(visible, [rows, width, prefixWidth + width], device: device));
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
