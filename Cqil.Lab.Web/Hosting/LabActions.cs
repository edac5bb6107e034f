using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Cqil.Lab.Core;
using Cqil.Lab.Core.Access;
using Cqil.Lab.Core.Checkpoints;
using Cqil.Lab.Core.Cqil;
using Cqil.Lab.Core.Jobs;
using Cqil.Lab.Core.Latency;
using Cqil.Lab.Core.Model;
using Cqil.Lab.Web.Data;
using Microsoft.Extensions.Options;

namespace Cqil.Lab.Web.Hosting;

/// <summary>
/// What pages and the HTTP API both do — turn a request into validated jobs, plans and uploads — so the two front
/// ends behave the same and refuse bad input with the same messages. Every change names its caller: the role
/// rules (<see cref="LabPermissions"/>) and the limits (<see cref="JobLimits"/>) are enforced here, once.
/// </summary>
public sealed class LabActions(LabModels models, PlanStore plans, JobStore jobs, JobQueue queue, LabPaths paths, IOptions<LabOptions> options)
{
    public int MaxUploadBytes => options.Value.MaxUploadBytes;

    public JobLimits Limits => options.Value.Limits;

    /// <summary>Reads a plan given as JSON: the lab format, the authors' cqil_layers/d, or {s, e, p, d, bypass} / {groups: [[…]]} for a model.</summary>
    public PlanDocument ParsePlan(JsonObject json, string? modelReference = null)
    {
        try
        {
            return ParsePlanUnguarded(json, modelReference);
        }
        catch (Exception e) when (MalformedInput.IsParseFailure(e))
        {
            // A field of the wrong JSON type ("s": "two", "model": 3) surfaces from JsonNode as a generic exception.
            throw new InvalidInputException($"plan: a field has the wrong type or value ({e.Message})");
        }
    }

    private PlanDocument ParsePlanUnguarded(JsonObject json, string? modelReference)
    {
        if (json.ContainsKey("schema"))
        {
            return PlanDocument.Parse(json.ToJsonString(), "plan");
        }
        var model = models.Resolve(modelReference ?? json["model"]?.GetValue<string>());
        var identity = CheckpointLoader.ReadIdentity(model.Path);
        int layers = identity.LayerCount;
        string? name = json["name"]?.GetValue<string>();
        try
        {
            GroupPlan plan;
            var mode = json["bypass"] is JsonNode b ? BypassModes.Parse(b.GetValue<string>()) : BypassMode.FfnInput;
            int d = json["d"]?.GetValue<int>() ?? 0;
            if (json.ContainsKey("cqil_layers"))
            {
                plan = AuthorsPlanFormat.Import(json.ToJsonString(), layers, "plan", json["bypass"] is null ? BypassMode.Residual : mode);
            }
            else if (json["groups"] is JsonArray groups)
            {
                var lists = groups.Select(g => (IReadOnlyList<int>)((g as JsonArray) ?? throw new InvalidInputException("groups: every group must be a list of layers"))
                    .Select(l => l!.GetValue<int>()).ToArray()).ToList();
                plan = GroupPlan.FromMultiLayerGroups(layers, lists.Where(g => g.Count > 1).ToList(), d, mode);
            }
            else if (json["s"] is not null || json["e"] is not null || json["p"] is not null)
            {
                int Need(string key) => json[key]?.GetValue<int>() ?? throw new InvalidInputException($"an S/E/P plan needs \"{key}\"");
                plan = GroupPlan.FromSep(layers, Need("s"), Need("e"), Need("p"), d, mode);
            }
            else
            {
                throw new InvalidInputException("a plan needs \"schema\" (the lab's format), \"cqil_layers\" (the authors' form), \"groups\", or \"s\", \"e\" and \"p\"");
            }
            return new PlanDocument(plan, PlanModelReference.Of(identity), name);
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException)
        {
            throw new InvalidInputException($"plan: numbers expected ({e.Message})");
        }
    }

    /// <summary>Saves a plan under the caller's name (researchers and admins); its name comes from "name" or the plan itself.</summary>
    public async Task<PlanRecord> SavePlanAsync(LabCaller caller, JsonObject body)
    {
        LabPermissions.DemandSavePlans(caller);
        var doc = ParsePlan(body);
        string? name = body["name"] is JsonValue v && v.TryGetValue<string>(out var n) ? n : body["name"] is null ? doc.Name : throw new InvalidInputException("\"name\" must be a string");
        return await plans.SaveAsync(name ?? throw new InvalidInputException("a saved plan needs \"name\""), doc, caller.Name);
    }

    public async Task<PlanRecord> SavePlanAsync(LabCaller caller, string name, PlanDocument doc)
    {
        LabPermissions.DemandSavePlans(caller);
        return await plans.SaveAsync(name, doc, caller.Name);
    }

    /// <summary>Deletes a saved plan: its owner or an admin. False when there is no such plan.</summary>
    public async Task<bool> DeletePlanAsync(LabCaller caller, Guid id)
    {
        if (await plans.GetAsync(id) is not { } plan)
        {
            return false;
        }
        LabPermissions.DemandManage(caller, plan.Owner, $"plan '{plan.Name}'");
        return await plans.DeleteAsync(id);
    }

    /// <summary>Cancels a job: its owner or an admin. Null when there is no such job; false when it already finished.</summary>
    public async Task<bool?> CancelAsync(LabCaller caller, Guid id)
    {
        if (await jobs.GetAsync(id) is not { } job)
        {
            return null;
        }
        LabPermissions.DemandManage(caller, job.Owner, $"job {id}");
        return await queue.CancelAsync(id);
    }

    /// <summary>Moves a waiting job to the front of its device's line (admins). Null when there is no such job; false when it is not waiting.</summary>
    public async Task<bool?> MoveToFrontAsync(LabCaller caller, Guid id)
    {
        LabPermissions.DemandReorder(caller);
        if (await jobs.GetAsync(id) is null)
        {
            return null;
        }
        return await queue.MoveToFrontAsync(id);
    }

    public async Task<PlanSpec> PlanSpecAsync(Guid? id, JsonObject? json, string? modelReference)
    {
        if (id is Guid planId)
        {
            var record = await plans.GetAsync(planId) ?? throw new InvalidInputException($"no saved plan with id {planId}");
            return new PlanSpec(record.Name, record.Json, record.Id);
        }
        if (json is not null)
        {
            return PlanSpec.From(ParsePlan(json, modelReference));
        }
        throw new InvalidInputException("a plan is needed: give plan_id (a saved plan) or plan (its JSON)");
    }

    /// <summary>Keeps an uploaded text under the data folder (named by its hash), refusing anything over the size limit or not text.</summary>
    public async Task<string> SaveUploadAsync(string fileName, byte[] content)
    {
        if (content.Length > MaxUploadBytes)
        {
            throw new InvalidInputException($"{fileName}: {content.Length:N0} bytes is over the upload limit of {MaxUploadBytes:N0} bytes (Lab:MaxUploadBytes)");
        }
        if (content.Length == 0)
        {
            throw new InvalidInputException($"{fileName}: the file is empty");
        }
        string text;
        try
        {
            text = new UTF8Encoding(false, true).GetString(content);
        }
        catch (DecoderFallbackException)
        {
            throw new InvalidInputException($"{fileName}: not UTF-8 text");
        }
        if (text.Contains('\0'))
        {
            throw new InvalidInputException($"{fileName}: not a text file (it contains NUL bytes)");
        }
        Directory.CreateDirectory(paths.Uploads);
        string path = Path.Combine(paths.Uploads, Convert.ToHexStringLower(SHA256.HashData(content))[..24] + ".txt");
        await File.WriteAllBytesAsync(path, content);
        return path;
    }

    public async Task<JobRecord> StartAnalysisAsync(AnalysisRequest request, LabCaller caller)
    {
        LabPermissions.DemandStartJobs(caller);
        var model = models.Resolve(request.Model);
        var spec = new AnalysisJobSpec
        {
            ModelPath = model.Path,
            Dtype = DtypeName(request.Dtype),
            Samples = request.Samples,
            SequenceLength = request.SeqLen,
            BatchSize = request.BatchSize,
            Plan = request.PlanId is null && request.Plan is null ? null : await PlanSpecAsync(request.PlanId, request.Plan, model.Path),
        };
        // Sizes first, so an analysis over the limits is refused before its upload is kept.
        CheckSize(spec, model);
        spec = (request.Source ?? "demo").Trim().ToLowerInvariant() switch
        {
            "demo" => spec with
            {
                Source = AnalysisSource.Text,
                TextPath = models.DemoText(model) ?? throw new InvalidInputException($"{model.Name} has no held-out text ({LabModels.HeldOutFileName}) and no Lab:DefaultText is configured; upload a text or pick a task"),
                DataLabel = "held-out text",
            },
            "task" => spec with
            {
                Source = AnalysisSource.Task,
                Task = models.ResolveTask(model, request.Task ?? throw new InvalidInputException("an analysis of task contexts needs \"task\"")),
                DataLabel = "task " + request.Task,
            },
            "text" or "upload" => spec with
            {
                Source = AnalysisSource.Text,
                TextPath = await SaveUploadAsync(request.TextName ?? "text", Encoding.UTF8.GetBytes(request.Text ?? throw new InvalidInputException("an analysis of a text needs \"text\""))),
                DataLabel = "upload " + (request.TextName ?? "text"),
            },
            _ => throw new InvalidInputException($"source '{request.Source}': expected demo, task or text"),
        };
        return await queue.SubmitAsync(spec, caller, model.Name);
    }

    public async Task<(RunRecord Run, IReadOnlyList<JobRecord> Jobs)> StartRunAsync(RunRequest request, LabCaller caller)
    {
        LabPermissions.DemandStartJobs(caller);
        var model = models.Resolve(request.Model);
        var mode = ExecutionModes.Parse(request.Mode);
        string dtype = DtypeName(request.Dtype);
        var planSpecs = new List<PlanSpec>();
        foreach (var id in request.PlanIds)
        {
            planSpecs.Add(await PlanSpecAsync(id, null, model.Path));
        }
        foreach (var json in request.Plans)
        {
            planSpecs.Add(await PlanSpecAsync(null, json, model.Path));
        }
        int layers = model.Config!.NumLayers;
        foreach (var p in planSpecs)
        {
            p.Document(layers);
        }
        var tasks = request.Tasks.Select(t => models.ResolveTask(model, t)).ToList();
        if (tasks.Count == 0 && (request.Latency is null || planSpecs.Count == 0))
        {
            throw new InvalidInputException("a run needs at least one task, or a plan and latency settings");
        }
        var specs = new List<JobSpec>();
        foreach (var task in tasks)
        {
            specs.Add(new EvaluationJobSpec { ModelPath = model.Path, Dtype = dtype, Task = task, Limit = request.Limit, LimitSeed = request.Seed,
                NumFewShot = request.NumFewShot, FewShotSeed = request.FewShotSeed, Plans = planSpecs, Mode = mode, Fidelity = request.Fidelity });
        }
        if (request.Latency is { } l)
        {
            var settings = new LatencySettings
            {
                PromptLength = l.PromptLength, DecodeTokens = l.DecodeTokens, Warmup = l.Warmup, Repetitions = l.Repetitions, ThreadCandidates = l.Threads ?? [],
            };
            var modes = l.Modes.Select(ExecutionModes.Parse).Distinct().ToArray();
            foreach (var plan in planSpecs)
            {
                specs.Add(new LatencyJobSpec { ModelPath = model.Path, Dtype = dtype, Plan = plan, Modes = modes, Settings = settings, Project = l.Project });
            }
        }
        specs.ForEach(s => s.Validate());
        specs.ForEach(s => CheckSize(s, model));
        string name = string.IsNullOrWhiteSpace(request.Name)
            ? $"{model.Name}: {string.Join(", ", planSpecs.Select(p => p.Name).DefaultIfEmpty("baseline"))}{(dtype == "f32" ? "" : $" ({dtype})")}"
            : request.Name.Trim();
        RunRecord? run = null;
        // The run is recorded only once the queue has room for all its jobs, inside the queue's admission.
        var started = await queue.SubmitAllAsync(specs, caller, model.Name, async () =>
        {
            run = await jobs.CreateRunAsync(name[..Math.Min(200, name.Length)], caller.Name, model.Path, model.Name);
            return run.Id;
        });
        return (run!, started);
    }

    public async Task<JobRecord> StartGenerationAsync(GenerationRequest request, LabCaller caller)
    {
        LabPermissions.DemandStartJobs(caller);
        var model = models.Resolve(request.Model);
        var spec = new GenerationJobSpec
        {
            ModelPath = model.Path,
            Dtype = DtypeName(request.Dtype),
            Prompt = request.Prompt,
            Plan = request.PlanId is null && request.Plan is null ? null : await PlanSpecAsync(request.PlanId, request.Plan, model.Path),
            Mode = ExecutionModes.Parse(request.Mode),
            MaxNewTokens = request.MaxNewTokens,
            Temperature = request.Temperature,
            Seed = request.Seed,
        };
        spec.Validate();
        CheckSize(spec, model);
        return await queue.SubmitAsync(spec, caller, model.Name);
    }

    /// <summary>The dtype's canonical name (bfloat16 → bf16); an unknown one is refused with the accepted names.</summary>
    private static string DtypeName(string? dtype) => ModelDtype.Name(ModelDtype.Parse(dtype ?? "f32"));

    /// <summary>Refuses a job over the size limits (samples per analysis, tokens per job) before it is queued.</summary>
    private T CheckSize<T>(T spec, ModelEntry model) where T : JobSpec
    {
        int items = 0;
        if (spec is EvaluationJobSpec e)
        {
            // Without a limit every item is scored: count them (the task is read again when the job runs).
            items = e.Limit ?? Core.Evaluation.TaskCatalog.Load(e.Task.Reader, e.Task.Path).Items.Count;
        }
        Limits.CheckSize(spec, JobCost.Tokens(spec, model.Config!.MaxPositions, items));
        return spec;
    }

    /// <summary>The side-by-side summary of a run from its finished jobs.</summary>
    public async Task<RunSummary?> SummaryAsync(Guid runId)
    {
        var run = await jobs.RunAsync(runId);
        if (run is null)
        {
            return null;
        }
        var list = await jobs.ListAsync(take: 1000, runId: runId, withResults: true);
        return RunSummary.Build(run.Id, run.Name, run.ModelName, run.CreatedUtc,
            list.Where(j => j.ResultJson is not null).OrderBy(j => j.Sequence).Select(j => new JobResultInput(j.Kind, j.ResultJson!, j.Partial)));
    }
}
