using System.Diagnostics;
using Cqil.Lab.Core.Analysis;
using Cqil.Lab.Core.Cqil;
using Cqil.Lab.Core.Cqil.Execution;
using Cqil.Lab.Core.Evaluation;
using Cqil.Lab.Core.Generation;
using Cqil.Lab.Core.Latency;
using Cqil.Lab.Core.Model;
using Cqil.Lab.Core.Runtime;
using Cqil.Lab.Core.Tokenization;

namespace Cqil.Lab.Core.Jobs;

/// <summary>
/// Runs a job on the calling thread, which must be the device's worker thread: every tensor of the job is made
/// and freed there. Cancellation stops the work within one batch, decode step or measurement; whatever was
/// finished by then comes back marked partial (an <see cref="OperationCanceledException"/> means nothing was).
/// </summary>
public static class JobRunner
{
    public static JobOutcome Run(JobSpec spec, JobContext context)
    {
        spec.Validate();
        context.CancellationToken.ThrowIfCancellationRequested();
        context.Report(0, "loading the model");
        var dtype = ModelDtype.Parse(spec.Dtype);
        using var lease = context.Models.Acquire(spec.ModelPath, dtype, context.Device);
        var loaded = lease.Loaded;
        var outcome = spec switch
        {
            AnalysisJobSpec a => RunAnalysis(a, loaded.Model, loaded.Tokenizer, context),
            EvaluationJobSpec e => RunEvaluation(e, loaded.Model, loaded.Tokenizer, context),
            LatencyJobSpec l => RunLatency(l, loaded.Model, context),
            GenerationJobSpec g => RunGeneration(g, loaded.Model, loaded.Tokenizer, context),
            _ => throw new ArgumentException($"unknown job type {spec.GetType().Name}"),
        };
        // A job that ran in a dtype this machine computes slowly says so where its result is shown.
        return Bf16Performance.Warning(dtype, context.Device) is { } warning ? outcome with { Summary = $"{outcome.Summary} (warning: {warning})" } : outcome;
    }

    private sealed class ActionProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }

    // ---- analysis ----

    private static JobOutcome RunAnalysis(AnalysisJobSpec spec, LlamaModel model, TextTokenizer tokenizer, JobContext context)
    {
        context.Report(0, "reading the data");
        var data = spec.Source switch
        {
            AnalysisSource.Text => CalibrationSet.FromText(ReadText(spec.TextPath!), spec.DataLabel, tokenizer, spec.SequenceLength, spec.Samples),
            _ => CalibrationSet.FromTexts(Contexts(TaskCatalog.Load(spec.Task!.Reader, spec.Task.Path).Items), spec.DataLabel, tokenizer, spec.SequenceLength, spec.Samples),
        };
        var plan = spec.Plan?.Document(model.Config.NumLayers).Plan;
        var settings = new AnalysisSettings { BatchSize = spec.BatchSize };
        var progress = new ActionProgress<AnalysisProgress>(p => context.Report((double)p.BatchesDone / p.BatchesTotal, $"batch {p.BatchesDone} of {p.BatchesTotal}, {p.Tokens:N0} tokens"));
        var analysis = SimilarityAnalyzer.Run(model, data, settings, plan, progress, context.CancellationToken, keepPartial: true);
        var adjacent = analysis.Cosine.Adjacent();
        string summary = $"{analysis.Data.Samples} samples, {analysis.Data.TokensCounted:N0} tokens; adjacent cosine {adjacent.DefaultIfEmpty(double.NaN).Min():F3}–{adjacent.DefaultIfEmpty(double.NaN).Max():F3}";
        return new JobOutcome(analysis.ToJson(), analysis.Partial, analysis.Partial ? "partial: " + summary : summary);
    }

    private static string ReadText(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw InvalidInputException.ForFile(path, "cannot read: " + e.Message, e);
        }
    }

    /// <summary>The text a model reads for each item (its context), for analysis and fidelity.</summary>
    public static IEnumerable<string> Contexts(IEnumerable<EvalItem> items) => items.Select(item => item switch
    {
        MultipleChoiceItem mc => mc.Requests[0].Context,
        LastWordItem lw => lw.Context,
        PerplexityDocument doc => doc.Text,
        _ => "",
    }).Where(t => t.Length > 0);

    // ---- evaluation ----

    private sealed record Contender(string Label, string Plan, Guid? PlanId, string Mode, ICausalLm Lm);

    private static JobOutcome RunEvaluation(EvaluationJobSpec spec, LlamaModel model, TextTokenizer tokenizer, JobContext context)
    {
        var ct = context.CancellationToken;
        context.Report(0, "reading the task");
        var task = TaskCatalog.Load(spec.Task.Reader, spec.Task.Path);
        // Few-shot examples come from the whole task, before the items are cut into chunks.
        var items = FewShotContext.ApplyAll(task, ItemSelection.Select(task.Items, spec.Limit, spec.LimitSeed), spec.NumFewShot, spec.FewShotSeed);
        if (items.Count == 0)
        {
            throw new InvalidInputException($"{spec.Task.Path}: the task has no items");
        }
        var executors = new List<PlanExecutor>();
        try
        {
            var systems = new List<Contender> { new("baseline", "baseline", null, "baseline", model) };
            foreach (var planSpec in spec.Plans)
            {
                var doc = planSpec.Document(model.Config.NumLayers);
                var executor = PlanExecutors.Create(model, doc.Plan, spec.Mode);
                executors.Add(executor);
                systems.Add(new Contender(planSpec.Name, doc.Plan.Describe(), planSpec.PlanId, ExecutionModes.Name(spec.Mode), executor));
            }
            var chunks = items.Chunk(spec.ChunkSize).ToArray();
            var results = systems.Select(_ => new List<ItemResult>()).ToArray();
            var seconds = new double[systems.Count];
            int itemsDone = 0;
            bool partial = false;
            for (int c = 0; c < chunks.Length && !partial; c++)
            {
                try
                {
                    for (int s = 0; s < systems.Count; s++)
                    {
                        var clock = Stopwatch.StartNew();
                        int step = c * systems.Count + s, steps = chunks.Length * systems.Count;
                        var progress = new ActionProgress<EvaluationProgress>(p => context.Report((step + p.Fraction) / steps,
                            $"{systems[s].Label}: items {itemsDone + 1}–{itemsDone + chunks[c].Length} of {items.Count}"));
                        var run = TaskEvaluator.Run(systems[s].Lm, tokenizer, task with { Items = chunks[c] }, new EvaluationOptions(), progress, ct);
                        results[s].AddRange(run.Items);
                        seconds[s] += clock.Elapsed.TotalSeconds;
                    }
                    itemsDone += chunks[c].Length;
                }
                catch (OperationCanceledException) when (itemsDone > 0)
                {
                    // Keep only the chunks every system finished, so all entries cover the same items.
                    foreach (var r in results)
                    {
                        r.RemoveRange(itemsDone, r.Count - itemsDone);
                    }
                    partial = true;
                }
                if (!partial && ct.IsCancellationRequested && c + 1 < chunks.Length)
                {
                    partial = true;
                }
            }
            if (itemsDone == 0)
            {
                ct.ThrowIfCancellationRequested(); // nothing finished at all
            }
            var scored = items.Take(itemsDone).ToArray();
            var binary = task.Metrics.Where(m => results[0].Count > 0 && results[0][0].Outcome(m) is not null).ToArray();
            var baseOutcomes = binary.ToDictionary(m => m, m => results[0].Select(r => r.Outcome(m)!.Value).ToArray());
            var fidelityData = FidelitySequences(scored, tokenizer, model.Config.MaxPositions);
            var entries = new List<EvaluationEntry>();
            for (int s = 0; s < systems.Count; s++)
            {
                var outcomes = binary.ToDictionary(m => m, m => results[s].Select(r => r.Outcome(m)!.Value).ToArray());
                FidelityReport? fidelity = null;
                if (s > 0 && spec.Fidelity && !partial && fidelityData.Count > 0)
                {
                    context.Report(0.99, $"fidelity of {systems[s].Label}");
                    try
                    {
                        fidelity = FidelityMeter.Measure(model, systems[s].Lm, fidelityData, 8, ct);
                    }
                    catch (OperationCanceledException)
                    {
                        partial = true;
                    }
                }
                entries.Add(new EvaluationEntry
                {
                    Label = systems[s].Label,
                    Plan = systems[s].Plan,
                    PlanId = systems[s].PlanId,
                    Mode = systems[s].Mode,
                    Metrics = TaskMetrics.Compute(task, results[s]),
                    Comparisons = s == 0 ? [] : binary.Select(m => PairedComparison.Compare(m, baseOutcomes[m], outcomes[m])).ToArray(),
                    Fidelity = fidelity,
                    Seconds = seconds[s],
                    Outcomes = outcomes,
                });
            }
            var result = new EvaluationJobResult
            {
                Task = spec.Task.Name,
                TaskFormat = task.Format,
                TaskSha256 = task.TaskHash,
                ItemsInData = task.Items.Count,
                ItemsScored = itemsDone,
                Limit = spec.Limit,
                LimitSeed = spec.Limit is null ? null : spec.LimitSeed,
                NumFewShot = spec.NumFewShot,
                FewShotSeed = spec.NumFewShot > 0 ? spec.FewShotSeed : null,
                Model = model.Identity,
                Dtype = ModelDtype.Name(model.Dtype),
                Partial = partial,
                ItemIndices = scored.Select(i => i.Index).ToArray(),
                Entries = entries,
            };
            string head = string.Join("; ", entries.Select(e => $"{e.Label} {e.Metrics[0].Name} {e.Metrics[0].Value:F3}"));
            return new JobOutcome(JobJson.Write(result), partial, $"{(partial ? "partial: " : "")}{itemsDone} of {items.Count} items; {head}");
        }
        finally
        {
            executors.ForEach(e => e.Dispose());
        }
    }

    private static List<int[]> FidelitySequences(IEnumerable<EvalItem> items, TextTokenizer tokenizer, int maxPositions) =>
        Contexts(items).Take(64).Select(t => tokenizer.Encode(t)).Where(ids => ids.Length > 0)
            .Select(ids => ids.Length > maxPositions ? ids[..maxPositions] : ids).ToList();

    // ---- latency ----

    private static JobOutcome RunLatency(LatencyJobSpec spec, LlamaModel model, JobContext context)
    {
        var plan = spec.Plan.Document(model.Config.NumLayers).Plan;
        var progress = new ActionProgress<LatencyProgress>(p => context.Report(p.Total == 0 ? 0 : (double)p.Done / p.Total, $"{p.Phase} {p.Done}/{p.Total}"));
        var report = LatencyLab.Run(model, plan, spec.Modes, spec.Settings, spec.Project, null, progress, context.CancellationToken, keepPartial: true);
        var result = new LatencyJobResult { PlanName = spec.Plan.Name, PlanId = spec.Plan.PlanId, Report = report };
        string summary = $"baseline decode {report.Baseline.DecodePerToken.P50:F2} ms/token; " + string.Join("; ", report.Runs.Select(r =>
            $"{r.Mode} {r.DecodePerToken.P50:F2} ms/token" + (r.DecodeSpeedup is { } s ? $" ({s.Speedup:F2}×)" : "")));
        return new JobOutcome(JobJson.Write(result), report.Partial, report.Partial ? "partial: " + summary : summary);
    }

    // ---- generation ----

    private static JobOutcome RunGeneration(GenerationJobSpec spec, LlamaModel model, TextTokenizer tokenizer, JobContext context)
    {
        int[] prompt = tokenizer.Encode(spec.Prompt);
        var options = new GenerationOptions { MaxNewTokens = spec.MaxNewTokens, Temperature = spec.Temperature, Seed = spec.Seed };
        string planName = spec.Plan?.Name ?? "baseline";
        PlanExecutor? executor = null;
        try
        {
            if (spec.Plan is not null)
            {
                executor = PlanExecutors.Create(model, spec.Plan.Document(model.Config.NumLayers).Plan, spec.Mode);
            }
            bool partial = false;
            var baseline = Side("baseline", "baseline", model, prompt, tokenizer, options, context, 0, ref partial);
            var candidate = partial
                ? new GenerationSide { Label = planName, TokenIds = [], Pieces = [], Text = "", PrefillMs = 0, DecodeMs = 0, TokensPerSecond = 0 }
                : Side("plan", planName, (ICausalLm?)executor ?? model, prompt, tokenizer, options, context, 0.5, ref partial);
            var result = new GenerationJobResult
            {
                Prompt = spec.Prompt,
                Baseline = baseline,
                Candidate = candidate,
                FirstDivergence = partial ? null : GenerationJobResult.Divergence(baseline.TokenIds, candidate.TokenIds),
                Partial = partial,
            };
            string summary = $"baseline {baseline.TokensPerSecond:F1} tokens/s, {planName} {candidate.TokensPerSecond:F1} tokens/s; "
                + (result.FirstDivergence is { } d ? $"first divergence at new token {d}" : partial ? "stopped early" : "identical output");
            return new JobOutcome(JobJson.Write(result), partial, summary);
        }
        finally
        {
            executor?.Dispose();
        }
    }

    private static GenerationSide Side(string side, string label, ICausalLm lm, int[] prompt, TextTokenizer tokenizer, GenerationOptions options,
        JobContext context, double progressBase, ref bool partial)
    {
        var ids = new List<int>();
        var pieces = new List<string>();
        int shown = tokenizer.Decode(prompt).Length;
        var clock = Stopwatch.StartNew();
        GenerationResult? result = null;
        try
        {
            result = TextGenerator.Generate(lm, tokenizer, prompt, options, id =>
            {
                ids.Add(id);
                string text = tokenizer.Decode(prompt.Concat(ids));
                string piece = text.Length >= shown ? text[shown..] : "";
                shown = Math.Max(shown, text.Length);
                pieces.Add(piece);
                context.Emit(new GeneratedToken(side, ids.Count - 1, id, piece));
                context.Report(progressBase + 0.5 * ids.Count / options.MaxNewTokens, $"{label}: token {ids.Count} of {options.MaxNewTokens}");
            }, context.CancellationToken);
        }
        catch (OperationCanceledException) when (ids.Count > 0)
        {
            partial = true;
        }
        double seconds = clock.Elapsed.TotalSeconds;
        return new GenerationSide
        {
            Label = label,
            TokenIds = ids.ToArray(),
            Pieces = pieces.ToArray(),
            Text = tokenizer.Decode(ids),
            PrefillMs = result?.PrefillTime.TotalMilliseconds ?? 0,
            DecodeMs = result?.DecodeTime.TotalMilliseconds ?? seconds * 1000,
            TokensPerSecond = ids.Count / Math.Max(seconds, 1e-9),
            StoppedAtEos = result?.StoppedAtEos ?? false,
        };
    }
}
