using Cqil.Lab.Core.Model;
using static TorchSharp.torch;

namespace Cqil.Lab.Core.Evaluation;

/// <summary>
/// Scores log-likelihood requests with any <see cref="ICausalLm"/> (the baseline or a CQIL plan), grouped by
/// document. In <see cref="ScoringMode.SharedPrefix"/> the tokens all requests of a document share (its
/// context; for WinoGrande the sentence before the blank) run once into a KV cache, several documents per
/// pass (left-padded, longest prefixes first so a pass holds similar lengths), and the passes' caches of a
/// batch of documents are stacked into one. The requests' own tokens then run as rows after a copy of their
/// document's cache entries (<see cref="KvCache.SelectSamples"/>), regrouped by length across the whole
/// batch, so rows are padded to similar lengths and each continuation attends to prefix + itself only: the
/// attention work is p² + Σ c·(p + c) per document instead of Σ (p + c)². In
/// <see cref="ScoringMode.Independent"/> nothing is shared and every request is one such row. Either way only
/// the columns that predict continuation tokens go through the head (<see cref="LogitsFor.From"/>).
/// Inputs longer than the model's context are cut from the left as lm-eval does
/// ((context + continuation)[-(max_length + 1):][:-1]).
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
    /// The arithmetic <see cref="Score"/> needs for these groups in this scorer's mode, without padding: each
    /// document's shared prefix once, then every request's remaining tokens after it.
    /// </summary>
    public ScoringWork Work(IReadOnlyList<IReadOnlyList<TokenRequest>> groups)
    {
        var config = lm.Model.Config;
        var work = ScoringWork.None;
        foreach (var plan in groups.Select((g, i) => Plan(i, g)))
        {
            work += ScoringWork.Pass(config, 0, plan.Prefix.Length, 0);
            foreach (var row in plan.Rows)
            {
                work += ScoringWork.Pass(config, plan.Prefix.Length, row.Remainder.Length, row.Targets);
            }
        }
        return work;
    }

    /// <summary>
    /// Scores every request of every group; groups are documents whose requests may share a prefix.
    /// <paramref name="progress"/> receives the number of requests scored after each batch of documents;
    /// cancellation is checked between forward passes.
    /// </summary>
    public RequestScore[][] Score(IReadOnlyList<IReadOnlyList<TokenRequest>> groups, Action<int>? progress = null, CancellationToken cancellationToken = default)
    {
        var plans = groups.Select((g, i) => Plan(i, g)).ToArray();
        var results = groups.Select(g => new RequestScore[g.Count]).ToArray();
        var order = plans.OrderByDescending(p => p.Prefix.Length).ThenByDescending(p => p.LongestRemainder).ThenBy(p => p.Group).ToArray();
        int done = 0;
        using var noGrad = no_grad();
        for (int start = 0; start < order.Length;)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int count = Math.Min(options.BatchSize, order.Length - start);
            var batch = order[start..(start + count)];
            ScoreBatch(batch, results, cancellationToken);
            start += count;
            done += batch.Sum(p => p.Rows.Length);
            progress?.Invoke(done);
        }
        return results;
    }

    // Sized for the block kernel, which holds score blocks of up to 256 query rows against every key; the default
    // fused kernel holds only small tiles, and with it the same budget still measured fastest (2^20 against 2^22
    // and 2^24: 2.64, 2.73, 3.28 s for 400 HellaSwag items, 2026-11-27), since bigger passes pad more.
    private long AttentionElements(long rows, long queries, long keys) => rows * lm.Model.Config.NumHeads * Math.Min(queries, 256) * keys;

    /// <summary>Whether the prefix pass of a batch of these documents keeps its attention scores within budget.</summary>
    private bool PrefixesFit(ReadOnlySpan<GroupPlan> batch)
    {
        long prefix = 0, real = 0;
        foreach (var plan in batch)
        {
            prefix = Math.Max(prefix, plan.Prefix.Length);
            real += plan.Prefix.Length;
        }
        return AttentionFits(batch.Length, AttentionElements(batch.Length, prefix, prefix), batch.Length * prefix, real);
    }

    /// <summary>
    /// Within the attention budget; or past it (by at most <see cref="ScoringOptions.OversizeFactor"/>) while the pass
    /// holds at most <see cref="ScoringOptions.MinRowsPerPass"/> rows and padding adds at most a quarter to its real
    /// positions. Long prompts (few-shot) otherwise run a few rows per pass, and per-pass overhead dominates; the
    /// padding limit keeps passes of very different lengths (PIQA's solutions) apart, where it would cost more.
    /// </summary>
    private bool AttentionFits(int rows, long elements, long padded, long real) =>
        elements <= options.MaxAttentionElements
        || (rows <= options.MinRowsPerPass && elements <= options.MaxAttentionElements * ScoringOptions.OversizeFactor && padded * 4 <= real * 5);

    /// <summary>Whether a pass over these rows (longest first) keeps its scores and logits within the budgets.</summary>
    private bool RowsFit(ReadOnlySpan<PendingRow> rows)
    {
        long width = rows[0].Request.Remainder.Length, prefix = 0, first = width, real = 0;
        foreach (var row in rows)
        {
            prefix = Math.Max(prefix, row.Prefix);
            first = Math.Min(first, FirstScoredColumn(row));
            real += row.Request.Remainder.Length;
        }
        return AttentionFits(rows.Length, AttentionElements(rows.Length, width, prefix + width), rows.Length * width, real)
            && rows.Length * (width - first) * lm.Model.Config.VocabSize <= options.MaxLogitElements;
    }

    private sealed record RowPlan(int[] Full, int ContinuationStart, int[] Remainder)
    {
        public int Targets => Full.Length - ContinuationStart;
    }

    /// <summary>A document: the prefix its requests share (empty when nothing is shared) and each request.</summary>
    private sealed record GroupPlan(int Group, int[] Prefix, RowPlan[] Rows)
    {
        public int LongestRemainder => Rows.Length == 0 ? 0 : Rows.Max(r => r.Remainder.Length);
    }

    /// <summary>A request's remaining tokens, to run after its document's prefix (batch slot <see cref="Sample"/>).</summary>
    private readonly record struct PendingRow(int Sample, int Index, int Prefix, RowPlan Request);

    /// <summary>The first column of a row whose logits are read: the one that predicts its first continuation token.</summary>
    private static int FirstScoredColumn(PendingRow row) => Math.Max(0, row.Request.ContinuationStart - 1 - row.Prefix);

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

    private void ScoreBatch(GroupPlan[] batch, RequestScore[][] results, CancellationToken cancellationToken)
    {
        var sums = batch.Select(p => new double[p.Rows.Length]).ToArray();
        var greedy = batch.Select(p => Enumerable.Repeat(true, p.Rows.Length).ToArray()).ToArray();
        // Documents come longest prefix first, so those with nothing shared (if any) are the batch's tail.
        int cached = batch.Count(p => p.Prefix.Length > 0);
        using (var prefixes = RunPrefixes(batch[..cached], sums[..cached], greedy[..cached], cancellationToken))
        {
            // Longest first across the whole batch, so each pass pads its rows to about their own length; rows
            // without a cached prefix run in passes of their own.
            var pending = batch.SelectMany((plan, g) => plan.Rows.Select((request, r) => new PendingRow(g, r, plan.Prefix.Length, request)))
                .Where(row => row.Request.Remainder.Length > 0)
                .OrderBy(row => row.Prefix == 0).ThenByDescending(row => row.Request.Remainder.Length).ThenBy(row => row.Sample).ThenBy(row => row.Index)
                .ToArray();
            for (int start = 0; start < pending.Length;)
            {
                cancellationToken.ThrowIfCancellationRequested();
                int count = 1;
                while (start + count < pending.Length && (pending[start + count].Prefix == 0) == (pending[start].Prefix == 0)
                    && RowsFit(pending.AsSpan(start, count + 1)))
                {
                    count++;
                }
                RunRows(pending[start..(start + count)], prefixes, sums, greedy);
                start += count;
            }
        }
        for (int g = 0; g < batch.Length; g++)
        {
            for (int r = 0; r < batch[g].Rows.Length; r++)
            {
                results[batch[g].Group][r] = new RequestScore(sums[g][r], greedy[g][r], batch[g].Rows[r].Targets);
            }
        }
    }

    /// <summary>
    /// Runs the shared prefixes of these documents (all non-empty) in passes within the attention budget and
    /// stacks their caches into one, sample i = document i; null for no documents.
    /// </summary>
    private KvCache? RunPrefixes(GroupPlan[] docs, double[][] sums, bool[][] greedy, CancellationToken cancellationToken)
    {
        var parts = new List<KvCache>();
        KvCache? result = null;
        try
        {
            for (int start = 0; start < docs.Length;)
            {
                cancellationToken.ThrowIfCancellationRequested();
                int count = 1;
                while (start + count < docs.Length && PrefixesFit(docs.AsSpan(start, count + 1)))
                {
                    count++;
                }
                var range = start..(start + count);
                parts.Add(RunPrefixPass(docs[range], sums[range], greedy[range]));
                start += count;
            }
            result = parts.Count switch
            {
                0 => null,
                1 => parts[0],
                _ => KvCache.Stack(parts),
            };
            return result;
        }
        finally
        {
            foreach (var part in parts.Where(part => !ReferenceEquals(part, result)))
            {
                part.Dispose();
            }
        }
    }

    /// <summary>
    /// Runs non-empty shared prefixes, left-padded so every last real token sits at the end, into a cache, and
    /// scores the first continuation token of every request that starts right after its prefix.
    /// </summary>
    private KvCache RunPrefixPass(GroupPlan[] batch, double[][] sums, bool[][] greedy)
    {
        int b = batch.Length;
        int width = batch.Max(p => p.Prefix.Length);
        using var scope = NewDisposeScope();
        var device = lm.Model.Device;
        int choices = batch.Max(p => p.Rows.Length);
        var ids = new long[b * width];
        var real = new bool[b * width];
        var firstTargets = new long[b * choices];
        for (int g = 0; g < b; g++)
        {
            int[] prefix = batch[g].Prefix;
            int offset = g * width + width - prefix.Length;
            for (int t = 0; t < prefix.Length; t++)
            {
                ids[offset + t] = prefix[t];
                real[offset + t] = true;
            }
            for (int r = 0; r < batch[g].Rows.Length; r++)
            {
                firstTargets[g * choices + r] = batch[g].Rows[r].Full[prefix.Length];
            }
        }
        bool padded = real.Contains(false);
        var cache = lm.NewCache(b, width);
        try
        {
            var logits = lm.Forward(tensor(ids, [b, width], ScalarType.Int64, device), cache,
                padded ? tensor(real, [b, width], device: device) : null, LogitsFor.LastPosition).view(b, -1);
            var logProbs = logits.gather(1, tensor(firstTargets, [b, choices], ScalarType.Int64, device)) - logits.logsumexp(1, keepdim: true);
            float[] picked = logProbs.cpu().data<float>().ToArray();
            long[] best = logits.argmax(1).cpu().data<long>().ToArray();
            Forwards++;
            TokensComputed += (long)b * width;
            for (int g = 0; g < b; g++)
            {
                var plan = batch[g];
                for (int r = 0; r < plan.Rows.Length; r++)
                {
                    if (plan.Prefix.Length > 0 && plan.Rows[r].ContinuationStart == plan.Prefix.Length)
                    {
                        sums[g][r] += picked[g * choices + r];
                        greedy[g][r] &= best[g] == firstTargets[g * choices + r];
                    }
                }
            }
            return cache;
        }
        catch
        {
            cache.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Runs requests' remaining tokens as right-padded rows, each after a copy of its document's prefix cache
    /// (only the last positions any of these documents needs), and adds the log-probabilities of their
    /// continuation tokens.
    /// </summary>
    private void RunRows(PendingRow[] rows, KvCache? prefixes, double[][] sums, bool[][] greedy)
    {
        using var scope = NewDisposeScope();
        var device = lm.Model.Device;
        int m = rows.Length;
        int width = rows[0].Request.Remainder.Length;
        int prefix = rows.Max(row => row.Prefix);
        var ids = new long[m * width];
        var targets = new long[m * width];
        var real = new bool[m * width];
        for (int i = 0; i < m; i++)
        {
            var (p, request) = (rows[i].Prefix, rows[i].Request);
            for (int t = 0; t < request.Remainder.Length; t++)
            {
                ids[i * width + t] = request.Remainder[t];
                targets[i * width + t] = request.Full[p + t + 1];
                real[i * width + t] = true;
            }
        }
        bool padded = real.Contains(false);
        // Column t predicts Full[p + t + 1]; columns before every row's first continuation token need no logits
        // (in independent mode that is the whole context).
        int first = rows.Min(FirstScoredColumn);
        int scored = width - first;
        using var cache = prefix > 0 ? prefixes!.SelectSamples(rows.Select(row => row.Sample).ToArray(), prefix, prefix + width) : null;
        var logits = lm.Forward(tensor(ids, [m, width], ScalarType.Int64, device), cache,
            padded ? tensor(real, [m, width], device: device) : null, LogitsFor.From(first));
        // log p(target) = logit(target) − logsumexp(logits), in float32, without a second [rows, T, V] tensor.
        var targetIds = tensor(targets, [m, width, 1], ScalarType.Int64, device).narrow(1, first, scored);
        var picked = logits.gather(2, targetIds).squeeze(2) - logits.logsumexp(2);
        float[] logProbs = picked.cpu().data<float>().ToArray();
        long[] best = logits.argmax(2).cpu().data<long>().ToArray();
        Forwards++;
        TokensComputed += (long)m * width;
        for (int i = 0; i < m; i++)
        {
            var (g, r, p, request) = rows[i];
            // Only the continuation's tokens count.
            for (int t = FirstScoredColumn(rows[i]); t < request.Remainder.Length; t++)
            {
                sums[g][r] += logProbs[i * scored + t - first];
                greedy[g][r] &= best[i * scored + t - first] == targets[i * width + t];
            }
        }
    }
}
