using Cqil.Lab.Core.Model;
using Cqil.Lab.Core.Tokenization;
using static TorchSharp.torch;

namespace Cqil.Lab.Core.Evaluation;

/// <summary>
/// Measures a candidate's fidelity to the baseline (<see cref="FidelityReport"/>) on any text: the text is
/// tokenized (with BOS where the model family uses it), cut into windows of at most the model's length, and
/// both models run on the same windows; every position of every window counts. Runs on the calling thread.
/// </summary>
public static class FidelityMeter
{
    public static FidelityReport MeasureText(ICausalLm baseline, ICausalLm candidate, TextTokenizer tokenizer, string text, int? windowLength = null, int batchSize = 8, CancellationToken cancellationToken = default)
    {
        int length = windowLength ?? baseline.Model.Config.MaxPositions;
        int[] ids = tokenizer.Encode(text);
        var windows = new List<int[]>();
        for (int start = 0; start < ids.Length; start += length)
        {
            windows.Add(ids[start..Math.Min(ids.Length, start + length)]);
        }
        return Measure(baseline, candidate, windows, batchSize, cancellationToken);
    }

    /// <summary>Fidelity over token sequences (each run from its start, no cache).</summary>
    public static FidelityReport Measure(ICausalLm baseline, ICausalLm candidate, IReadOnlyList<int[]> sequences, int batchSize = 8, CancellationToken cancellationToken = default)
    {
        if (baseline.Model.Config.VocabSize != candidate.Model.Config.VocabSize)
        {
            throw new InvalidInputException($"the models have different vocabularies ({baseline.Model.Config.VocabSize} vs {candidate.Model.Config.VocabSize})");
        }
        var real = sequences.Where(s => s.Length > 0).OrderByDescending(s => s.Length).ToArray();
        if (real.Length == 0)
        {
            throw new InvalidInputException("fidelity needs some text: the input has no tokens");
        }
        long tokens = 0, agree = 0;
        double klSum = 0, klMax = 0, relSum = 0;
        using var noGrad = no_grad();
        for (int start = 0; start < real.Length; start += batchSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var batch = real.AsSpan(start, Math.Min(batchSize, real.Length - start)).ToArray();
            using var scope = NewDisposeScope();
            int b = batch.Length, width = batch[0].Length;
            var ids = new long[b * width];
            var mask = new bool[b * width];
            for (int i = 0; i < b; i++)
            {
                for (int t = 0; t < batch[i].Length; t++)
                {
                    ids[i * width + t] = batch[i][t];
                    mask[i * width + t] = true;
                }
            }
            bool padded = batch.Any(s => s.Length < width);
            var input = tensor(ids, [b, width], ScalarType.Int64, baseline.Model.Device);
            var padding = padded ? tensor(mask, [b, width], device: baseline.Model.Device) : null;
            var zb = baseline.Forward(input, null, padding, LogitsFor.AllPositions);
            var zc = candidate.Forward(input.to(candidate.Model.Device), null, padding?.to(candidate.Model.Device), LogitsFor.AllPositions).to(zb.device);
            var logPb = zb.log_softmax(-1);
            var logPc = zc.log_softmax(-1);
            var kl = (logPb.exp() * (logPb - logPc)).sum([-1]);
            var rel = (zc - zb).norm(-1) / zb.norm(-1);
            var same = zb.argmax(-1).eq(zc.argmax(-1));
            var klCpu = kl.to(ScalarType.Float64).cpu().data<double>().ToArray();
            var relCpu = rel.to(ScalarType.Float64).cpu().data<double>().ToArray();
            var sameCpu = same.cpu().data<bool>().ToArray();
            for (int i = 0; i < b; i++)
            {
                for (int t = 0; t < batch[i].Length; t++)
                {
                    int at = i * width + t;
                    tokens++;
                    agree += sameCpu[at] ? 1 : 0;
                    klSum += klCpu[at];
                    klMax = Math.Max(klMax, klCpu[at]);
                    relSum += relCpu[at];
                }
            }
        }
        var (low, high) = Statistics.Wilson((int)agree, (int)tokens);
        return new FidelityReport(baseline.Label, candidate.Label, (int)tokens, (double)agree / tokens, low, high, klSum / tokens, klMax, relSum / tokens);
    }
}
