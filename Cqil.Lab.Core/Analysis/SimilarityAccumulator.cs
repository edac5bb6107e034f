using Cqil.Lab.Core.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace Cqil.Lab.Core.Analysis;

/// <summary>
/// Streaming statistics of layer-input similarity. Each batch contributes the per-token cosine of every pair
/// of residual states (x_0 … x_L) over its counted tokens; only sums (float64) are kept, so memory does not
/// grow with the number of samples. Per-sample means feed the spreads. A batch is reduced on the model's device;
/// the sums live on the host, so each batch adds [S, S] matrices across (found on a GPU: adding a CUDA batch to
/// host sums in place failed).
/// </summary>
public sealed class SimilarityAccumulator : IDisposable
{
    private readonly int states;
    private readonly Tensor tokenCosine;   // Σ_t cos, [S, S]
    private readonly Tensor tokenAngular;  // Σ_t arccos(cos)/π
    private readonly Tensor sampleCosine;  // Σ_s mean_t cos, and of squares
    private readonly Tensor sampleCosineSq;
    private readonly Tensor sampleAngular;
    private readonly Tensor sampleAngularSq;
    private readonly Tensor lastCosine;    // Σ_s cos at the sample's last token, and of squares
    private readonly Tensor lastCosineSq;

    /// <param name="states">Residual states per token: L + 1 (the inputs of L layers and the final output).</param>
    public SimilarityAccumulator(int states)
    {
        this.states = states;
        Tensor Zero() => zeros([states, states], ScalarType.Float64).DetachFromDisposeScope();
        tokenCosine = Zero();
        tokenAngular = Zero();
        sampleCosine = Zero();
        sampleCosineSq = Zero();
        sampleAngular = Zero();
        sampleAngularSq = Zero();
        lastCosine = Zero();
        lastCosineSq = Zero();
    }

    public long Tokens { get; private set; }

    public int Samples { get; private set; }

    /// <summary>Tokens reduced at once: bounds the float64 working set for wide models.</summary>
    private const long TokenChunkElements = 1L << 20;

    /// <summary>
    /// Adds one batch. <paramref name="residuals"/> holds, per state, the residual stream [B, T, h] (float32);
    /// <paramref name="counted"/> [B, T] marks the tokens that count (real, not BOS). Samples without a
    /// counted token are skipped. Cosines are formed in float64 from vectors normalized in float64: near
    /// cos = 1 the angular distance arccos(cos) magnifies any rounding (an error of 1e-7 in cos is 4e-4 in angle).
    /// </summary>
    public void Add(IReadOnlyList<Tensor> residuals, Tensor counted)
    {
        if (residuals.Count != states)
        {
            throw new ArgumentException($"expected {states} states, got {residuals.Count}");
        }
        using var scope = NewDisposeScope();
        counted = counted.to(residuals[0].device);
        long b = counted.shape[0], t = counted.shape[1];
        var mask = counted.to(ScalarType.Bool).reshape(-1);
        var index = mask.nonzero().reshape(-1);
        long n = index.shape[0];
        if (n == 0)
        {
            return;
        }
        long h = residuals[0].shape[^1];
        long chunk = Math.Max(1, TokenChunkElements / (states * h));
        var pieces = new List<Tensor>();
        for (long first = 0; first < n; first += chunk)
        {
            var rows = index.narrow(0, first, Math.Min(chunk, n - first));
            // [m, S, h]: every counted token's states side by side; one batched product gives all pair cosines.
            var stacked = stack(residuals.Select(x => x.reshape(b * t, h).index_select(0, rows)).ToArray(), 1).to(ScalarType.Float64);
            stacked = stacked / stacked.norm(-1, keepdim: true).clamp_min(Scalars.Of(1e-300));
            var gram = stacked.bmm(stacked.transpose(1, 2));
            pieces.Add(gram.Plus(gram.transpose(1, 2)).div(Scalars.Of(2)).clamp(Scalars.MinusOne, Scalars.One));
        }
        var cosine = pieces.Count == 1 ? pieces[0] : cat(pieces, 0); // [n, S, S]
        var angular = cosine.acos().div(Scalars.Of(Math.PI));
        Accumulate(tokenCosine, cosine.sum(0L));
        Accumulate(tokenAngular, angular.sum(0L));

        // Per-sample means: sum each token's matrix into its sample's slot.
        using var tokensPerSample = t.ToScalar(); // integral, and alive during the call (see Scalars)
        var sampleOf = Scalars.Range(0, b * t, ScalarType.Int64, counted.device).div(tokensPerSample, rounding_mode: RoundingMode.floor).index_select(0, index);
        var perSampleCount = zeros([b], ScalarType.Float64, counted.device).index_add_(0, sampleOf, ones([n], ScalarType.Float64, counted.device), Scalars.One);
        var present = perSampleCount.gt(Scalars.IntegerZero).nonzero().reshape(-1);
        var counts = perSampleCount.index_select(0, present).view(-1, 1, 1);
        var cosMeans = zeros([b, states, states], ScalarType.Float64, counted.device).index_add_(0, sampleOf, cosine, Scalars.One).index_select(0, present) / counts;
        var angMeans = zeros([b, states, states], ScalarType.Float64, counted.device).index_add_(0, sampleOf, angular, Scalars.One).index_select(0, present) / counts;
        Accumulate(sampleCosine, cosMeans.sum(0L));
        Accumulate(sampleCosineSq, cosMeans.Squared().sum(0L));
        Accumulate(sampleAngular, angMeans.sum(0L));
        Accumulate(sampleAngularSq, angMeans.Squared().sum(0L));

        // Counted tokens come sample by sample in order, so each sample's last one ends its run.
        var lastIndex = perSampleCount.index_select(0, present).cumsum(0).to(ScalarType.Int64).sub(Scalars.IntegerOne);
        var last = cosine.index_select(0, lastIndex);
        Accumulate(lastCosine, last.sum(0L));
        Accumulate(lastCosineSq, last.Squared().sum(0L));

        Tokens += n;
        Samples += (int)present.shape[0];
    }

    private static void Accumulate(Tensor total, Tensor part) => total.PlusInPlace(part.to(total.device));

    /// <summary>Statistic over the first <paramref name="layers"/> states (the layer inputs).</summary>
    public SimilarityMatrix Matrix(SimilarityMetric metric, int layers)
    {
        using var scope = NewDisposeScope();
        var (mean, sum, sumSq) = metric switch
        {
            SimilarityMetric.Cosine => (tokenCosine.DividedBy(Tokens), sampleCosine, sampleCosineSq),
            SimilarityMetric.AngularDistance => (tokenAngular.DividedBy(Tokens), sampleAngular, sampleAngularSq),
            SimilarityMetric.LastTokenCosine => (lastCosine.DividedBy(Samples), lastCosine, lastCosineSq),
            _ => throw new ArgumentException($"{metric} is a per-layer vector, not a matrix"),
        };
        var std = SampleStd(sum, sumSq);
        return new SimilarityMatrix(Rows(mean, layers), Rows(std, layers), Samples);
    }

    /// <summary>Block influence 1 − cos(x_ℓ, x_{ℓ+1}) for ℓ = 0 … layers−1, spread across samples.</summary>
    public LayerVector BlockInfluence(int layers)
    {
        using var scope = NewDisposeScope();
        var mean = Rows(tokenCosine.DividedBy(Tokens), layers + 1);
        var std = Rows(SampleStd(sampleCosine, sampleCosineSq), layers + 1);
        return new LayerVector(
            Enumerable.Range(0, layers).Select(l => 1 - mean[l][l + 1]).ToArray(),
            Enumerable.Range(0, layers).Select(l => std[l][l + 1]).ToArray(),
            Samples);
    }

    private Tensor SampleStd(Tensor sum, Tensor sumSq)
    {
        if (Samples < 2)
        {
            return zeros_like(sum);
        }
        var mean = sum.DividedBy(Samples);
        return (sumSq.DividedBy(Samples) - mean.Squared()).clamp_min(Scalars.IntegerZero).Times(Samples).DividedBy(Samples - 1).sqrt();
    }

    private static double[][] Rows(Tensor m, int size)
    {
        var data = m.narrow(0, 0, size).narrow(1, 0, size).contiguous().cpu().data<double>().ToArray();
        return Enumerable.Range(0, size).Select(i => data.AsSpan(i * size, size).ToArray()).ToArray();
    }

    public void Dispose()
    {
        foreach (var t in new[] { tokenCosine, tokenAngular, sampleCosine, sampleCosineSq, sampleAngular, sampleAngularSq, lastCosine, lastCosineSq })
        {
            t.Dispose();
        }
    }
}
