using System.Diagnostics;
using Cqil.Lab.Core.Cqil;
using Cqil.Lab.Core.Cqil.Execution;
using Cqil.Lab.Core.Model;
using Cqil.Lab.Core.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Cqil.Lab.Core.Analysis;

/// <summary>
/// Runs calibration samples through a model (optionally under a CQIL plan — a plan's groups change the later
/// layers' inputs) and measures how similar the inputs of every pair of layers are. States are normalized
/// as they pass and reduced batch by batch; nothing grows with the number of samples.
/// </summary>
public static class SimilarityAnalyzer
{
    public static LayerSimilarityAnalysis Run(LlamaModel model, CalibrationSet data, AnalysisSettings settings, GroupPlan? plan = null,
        IProgress<AnalysisProgress>? progress = null, CancellationToken cancellationToken = default, bool keepPartial = false)
    {
        settings.Validate();
        plan ??= GroupPlan.Baseline(model.Config.NumLayers);
        int layers = model.Config.NumLayers;
        var clock = Stopwatch.StartNew();
        using var executor = PlanExecutors.Create(model, plan, settings.Mode);
        using var accumulator = new SimilarityAccumulator(layers + 1);
        var states = new Tensor?[layers + 1];
        Tensor? lastObserved = null;
        DisposeScope? batchScope = null;
        executor.StateObserver = (index, x) =>
        {
            // A float32 copy kept (in the batch's scope, not the forward's) until the batch is reduced; the
            // layers of a group share their input, so they share one copy.
            states[index] = index > 0 && ReferenceEquals(x, lastObserved) ? states[index - 1] : x.to(ScalarType.Float32, copy: true).MoveToOtherDisposeScope(batchScope!);
            lastObserved = x;
        };

        int batches = (data.Samples.Count + settings.BatchSize - 1) / settings.BatchSize;
        bool partial = false;
        using var noGrad = no_grad();
        for (int batch = 0; batch < batches; batch++)
        {
            if (cancellationToken.IsCancellationRequested && keepPartial && accumulator.Tokens > 0)
            {
                // Stopped early on request: what the finished batches measured is returned, marked partial.
                partial = true;
                break;
            }
            cancellationToken.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            batchScope = scope;
            var samples = data.Samples.Skip(batch * settings.BatchSize).Take(settings.BatchSize).ToArray();
            var (ids, real) = Pad(samples, model.Device);
            executor.Forward(ids, null, samples.All(s => s.Length == samples[0].Length) ? null : real, LogitsFor.None);
            var counted = real.clone();
            if (settings.ExcludeBos && data.BosPrepended)
            {
                counted.narrow(1, 0, 1).fill_(Scalars.False);
            }
            accumulator.Add(states.Select(s => s!).ToArray(), counted);
            Array.Clear(states);
            lastObserved = null;
            progress?.Report(new AnalysisProgress(batch + 1, batches, accumulator.Tokens));
        }
        // The working memory of this run goes back to the OS instead of waiting in glibc's heap.
        NativeEnvironment.TrimNativeHeap();
        if (accumulator.Tokens == 0)
        {
            throw new InvalidInputException($"{data.Source}: no tokens left to measure (samples too short?)");
        }

        return new LayerSimilarityAnalysis
        {
            Model = new AnalysisModel(model.Identity.Name, model.Identity.Fingerprint, ModelDtype.Name(model.Dtype)),
            Data = new AnalysisData(data.Source, data.DataHash, accumulator.Samples, accumulator.Tokens, data.SequenceLength),
            Settings = new AnalysisRecordedSettings(
                "token-mean over non-padding tokens; last-token: final token of each sample; spread: std over per-sample means",
                data.BosPrepended ? (settings.ExcludeBos ? "prepended, excluded from statistics" : "prepended, counted") : "none",
                settings.BatchSize, plan.Describe(), plan.Groups.Select(g => g.Layers.ToArray()).ToArray(), ExecutionModes.Name(settings.Mode)),
            Layers = layers,
            Cosine = accumulator.Matrix(SimilarityMetric.Cosine, layers),
            LastTokenCosine = accumulator.Matrix(SimilarityMetric.LastTokenCosine, layers),
            AngularDistance = accumulator.Matrix(SimilarityMetric.AngularDistance, layers),
            BlockInfluence = accumulator.BlockInfluence(layers),
            ElapsedSeconds = clock.Elapsed.TotalSeconds,
            Partial = partial,
        };
    }

    /// <summary>Right-padded ids [B, T] and the real-token mask.</summary>
    private static (Tensor Ids, Tensor Real) Pad(int[][] samples, Device device)
    {
        int width = samples.Max(s => s.Length);
        var ids = new long[samples.Length * width];
        var real = new bool[samples.Length * width];
        for (int b = 0; b < samples.Length; b++)
        {
            for (int t = 0; t < samples[b].Length; t++)
            {
                ids[b * width + t] = samples[b][t];
                real[b * width + t] = true;
            }
        }
        return (tensor(ids, [samples.Length, width]).to(device), tensor(real, [samples.Length, width]).to(device));
    }
}
