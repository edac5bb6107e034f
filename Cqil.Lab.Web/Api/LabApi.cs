using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cqil.Lab.Core;
using Cqil.Lab.Core.Access;
using Cqil.Lab.Core.Cqil;
using Cqil.Lab.Core.Jobs;
using Cqil.Lab.Web.Accounts;
using Cqil.Lab.Web.Data;
using Cqil.Lab.Web.Hosting;

namespace Cqil.Lab.Web.Api;

/// <summary>
/// The HTTP API for scripts (JSON, snake_case), for signed-in callers (a personal API token, or the browser's
/// sign-in). Bad input — malformed JSON, an invalid plan, an oversized text, a model outside the configured
/// folders, a job over the limits — is answered 400 with {"error": "…"}; a role that does not allow it 403; a full
/// queue 429; unknown ids 404.
/// </summary>
public static class LabApi
{
    public static IEndpointRouteBuilder MapLabApi(this IEndpointRouteBuilder app)
    {
        // Every endpoint needs a signed-in caller (the authorization fallback policy); what each may do is
        // LabPermissions' call, made inside LabActions and LabAccounts.
        var api = app.MapGroup("/api").AddEndpointFilter(Refusals).DisableAntiforgery();

        api.MapGet("/me", (HttpContext http) =>
        {
            var caller = Caller(http);
            return new { name = caller.Name, role = LabRoles.Name(caller.Role), authenticated_by = http.User.Identity?.AuthenticationType };
        });

        api.MapGet("/models", (LabModels models) => models.All.Select(m => ModelInfo(m, models)));
        api.MapGet("/models/tasks", (string? model, LabModels models) =>
        {
            var m = models.Resolve(model);
            return models.Tasks(m).Select(t => new { name = t.Name, reader = t.Reader, path = t.Path });
        });

        api.MapGet("/plans", async (PlanStore plans, int? layers) => (await plans.ListAsync(layers)).Select(PlanInfo));
        api.MapGet("/plans/{id:guid}", async (Guid id, PlanStore plans) =>
            await plans.GetAsync(id) is { } p ? Results.Content(p.Json, "application/json") : Results.NotFound(new { error = $"no plan {id}" }));
        api.MapGet("/plans/{id:guid}/export", async (Guid id, string? format, PlanStore plans) =>
        {
            if (await plans.GetAsync(id) is not { } p)
            {
                return Results.NotFound(new { error = $"no plan {id}" });
            }
            return ExportPlan(PlanStore.Document(p), format, p.Name);
        });
        api.MapPost("/plans/validate", async (HttpRequest request, LabActions actions) =>
        {
            var doc = actions.ParsePlan(await ReadObject(request));
            return Results.Ok(new
            {
                valid = true,
                description = doc.Plan.Describe(),
                sequential_depth = doc.Plan.SequentialDepth,
                ideal_reduction = doc.Plan.IdealReduction,
                plan = JsonNode.Parse(doc.ToJson()),
            });
        });
        api.MapPost("/plans", async (HttpRequest request, LabActions actions) =>
        {
            var saved = await actions.SavePlanAsync(Caller(request.HttpContext), await ReadObject(request));
            return Results.Created($"/api/plans/{saved.Id}", PlanInfo(saved));
        });
        api.MapDelete("/plans/{id:guid}", async (Guid id, HttpContext http, LabActions actions) =>
            await actions.DeletePlanAsync(Caller(http), id) ? Results.NoContent() : Results.NotFound(new { error = $"no plan {id}" }));

        api.MapPost("/jobs/analysis", async (HttpRequest request, LabActions actions) =>
            Accepted(await actions.StartAnalysisAsync(await Read<AnalysisRequest>(request, actions.MaxUploadBytes), Caller(request.HttpContext)), request));
        api.MapPost("/jobs/evaluation", async (HttpRequest request, LabActions actions) =>
        {
            var run = await Read<RunRequest>(request);
            var (r, jobs) = await actions.StartRunAsync(run with { Latency = null }, Caller(request.HttpContext));
            return Results.Accepted($"/api/runs/{r.Id}", new { run_id = r.Id, jobs = jobs.Select(JobInfo) });
        });
        api.MapPost("/jobs/latency", async (HttpRequest request, LabActions actions) =>
        {
            var run = await Read<RunRequest>(request);
            var (r, jobs) = await actions.StartRunAsync(run with { Tasks = [], Latency = run.Latency ?? new LatencyRequest() }, Caller(request.HttpContext));
            return Results.Accepted($"/api/runs/{r.Id}", new { run_id = r.Id, jobs = jobs.Select(JobInfo) });
        });
        api.MapPost("/jobs/generation", async (HttpRequest request, LabActions actions) =>
            Accepted(await actions.StartGenerationAsync(await Read<GenerationRequest>(request), Caller(request.HttpContext)), request));
        api.MapPost("/runs", async (HttpRequest request, LabActions actions) =>
        {
            var (r, jobs) = await actions.StartRunAsync(await Read<RunRequest>(request), Caller(request.HttpContext));
            return Results.Accepted($"/api/runs/{r.Id}", new { run_id = r.Id, jobs = jobs.Select(JobInfo) });
        });

        api.MapGet("/jobs", async (JobStore store, JobQueue queue, Guid? run) => (await store.ListAsync(200, run)).Select(j => JobInfo(j, queue)));
        api.MapGet("/jobs/{id:guid}", async (Guid id, JobStore store, JobQueue queue) =>
            await store.GetAsync(id) is { } j ? Results.Ok(JobInfo(j, queue)) : Results.NotFound(new { error = $"no job {id}" }));
        api.MapGet("/jobs/{id:guid}/result", async (Guid id, JobStore store) => await store.GetAsync(id) switch
        {
            null => Results.NotFound(new { error = $"no job {id}" }),
            { ResultJson: null } j => Results.NotFound(new { error = $"job {id} has no result ({JobStatuses.Name(j.Status)})" }),
            var j => Results.Content(j.ResultJson!, "application/json"),
        });
        api.MapPost("/jobs/{id:guid}/cancel", async (Guid id, HttpContext http, LabActions actions) => await actions.CancelAsync(Caller(http), id) switch
        {
            null => Results.NotFound(new { error = $"no job {id}" }),
            true => Results.Accepted($"/api/jobs/{id}", new { cancelling = true }),
            false => Results.Conflict(new { error = "the job has already finished" }),
        });
        api.MapPost("/jobs/{id:guid}/move-to-front", async (Guid id, HttpContext http, LabActions actions, JobQueue queue) => await actions.MoveToFrontAsync(Caller(http), id) switch
        {
            null => Results.NotFound(new { error = $"no job {id}" }),
            true => Results.Ok(new { position = queue.Position(id) }),
            false => Results.Conflict(new { error = "the job is not waiting in the queue" }),
        });

        api.MapGet("/runs", async (JobStore store) => (await store.RunsAsync()).Select(r => new { id = r.Id, name = r.Name, owner = r.Owner, model = r.ModelName, created_utc = r.CreatedUtc }));
        api.MapGet("/runs/{id:guid}/results", async (Guid id, string? format, LabActions actions) =>
        {
            if (await actions.SummaryAsync(id) is not { } summary)
            {
                return Results.NotFound(new { error = $"no run {id}" });
            }
            string safe = string.Concat(summary.Name.Select(c => char.IsLetterOrDigit(c) ? c : '-'));
            return format?.ToLowerInvariant() == "csv"
                ? Results.File(Encoding.UTF8.GetBytes(summary.ToCsv()), "text/csv", $"{safe}.csv")
                : Results.File(Encoding.UTF8.GetBytes(summary.ToJson()), "application/json", $"{safe}.json");
        });

        api.MapLabAccountApi();
        return app;
    }

    /// <summary>The signed-in caller (the fallback policy guarantees one reaches here).</summary>
    public static LabCaller Caller(HttpContext http) => LabClaims.RequireCaller(http.User);

    /// <summary>
    /// Turns refusals into answers — 400 bad input, 403 not allowed, 429 queue full, each {"error": "…"} — and
    /// keeps cross-site forms out: a state-changing call that is not signed with an API token (a browser's cookie,
    /// single-user mode) must say Content-Type: application/json, which a form on another site cannot send.
    /// </summary>
    private static async ValueTask<object?> Refusals(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        if (!HttpMethods.IsGet(http.Request.Method) && !HttpMethods.IsHead(http.Request.Method)
            && !ApiTokenAuthenticationHandler.HasBearer(http.Request) && !http.Request.HasJsonContentType())
        {
            return Results.Json(new { error = "send Content-Type: application/json (or sign the request with an API token: Authorization: Bearer …)" },
                statusCode: StatusCodes.Status415UnsupportedMediaType);
        }
        try
        {
            return await next(context);
        }
        catch (InvalidInputException e)
        {
            return Results.BadRequest(new { error = e.Message });
        }
        catch (AccessDeniedException e)
        {
            return Results.Json(new { error = e.Message }, statusCode: StatusCodes.Status403Forbidden);
        }
        catch (QueueLimitException e)
        {
            return Results.Json(new { error = e.Message }, statusCode: StatusCodes.Status429TooManyRequests);
        }
        catch (BadHttpRequestException e)
        {
            return Results.Json(new { error = e.Message }, statusCode: e.StatusCode);
        }
    }

    public static IResult ExportPlan(PlanDocument doc, string? format, string name)
    {
        string safe = string.Concat(name.Select(c => char.IsLetterOrDigit(c) || c is '-' or '_' ? c : '-'));
        return (format ?? "lab").ToLowerInvariant() switch
        {
            "lab" => Results.File(Encoding.UTF8.GetBytes(doc.ToJson()), "application/json", $"{safe}.cqil-plan.json"),
            "authors" => Results.File(Encoding.UTF8.GetBytes(AuthorsPlanFormat.Export(doc.Plan)), "application/json", $"{safe}.cqil_layers.json"),
            _ => throw new InvalidInputException($"format '{format}': expected lab or authors"),
        };
    }

    private static object ModelInfo(Core.Checkpoints.ModelEntry m, LabModels models) => new
    {
        name = m.Name,
        path = m.Path,
        format = m.Format,
        is_default = models.IsDefault(m),
        usable = m.IsUsable,
        error = m.Error,
        layers = m.Config?.NumLayers,
        hidden_size = m.Config?.HiddenSize,
        heads = m.Config?.NumHeads,
        kv_heads = m.Config?.NumKvHeads,
        parameters = m.Config?.ParameterCount,
        dtype = m.Config?.StoredDtype,
        tokenizer = m.TokenizerPath,
    };

    private static object PlanInfo(PlanRecord p) => new
    {
        id = p.Id,
        name = p.Name,
        owner = p.Owner,
        model = p.ModelName,
        layer_count = p.LayerCount,
        description = p.Description,
        sequential_depth = p.SequentialDepth,
        ideal_reduction = p.IdealReduction,
        updated_utc = p.UpdatedUtc,
    };

    private static IResult Accepted(JobRecord job, HttpRequest request) =>
        Results.Accepted($"/api/jobs/{job.Id}", JobInfo(job, request.HttpContext.RequestServices.GetRequiredService<JobQueue>()));

    private static object JobInfo(JobRecord j) => JobInfo(j, null);

    private static object JobInfo(JobRecord j, JobQueue? queue) => new
    {
        id = j.Id,
        run_id = j.RunId,
        kind = JobKinds.Name(j.Kind),
        status = JobStatuses.Name(j.Status),
        owner = j.Owner,
        device = j.Device,
        model = j.ModelName,
        title = j.Title,
        position = queue?.Position(j.Id),
        progress = queue?.LiveProgress(j.Id)?.Fraction ?? j.Progress,
        message = queue?.LiveProgress(j.Id)?.Message ?? j.ProgressMessage,
        partial = j.Partial,
        summary = j.Summary,
        error = j.Error,
        created_utc = j.CreatedUtc,
        started_utc = j.StartedUtc,
        finished_utc = j.FinishedUtc,
        result = j.ResultJson is null && !JobStatuses.IsFinished(j.Status) ? null : $"/api/jobs/{j.Id}/result",
    };

    private const int BodyLimit = 256 * 1024;

    private static async Task<string> ReadText(HttpRequest request, int limit)
    {
        if (request.ContentLength > limit)
        {
            throw new InvalidInputException($"the request body is {request.ContentLength:N0} bytes, over the limit of {limit:N0}");
        }
        using var reader = new StreamReader(request.Body, Encoding.UTF8);
        var buffer = new char[limit + 1];
        int total = 0, read;
        while (total <= limit && (read = await reader.ReadAsync(buffer.AsMemory(total, buffer.Length - total))) > 0)
        {
            total += read;
        }
        if (total > limit)
        {
            throw new InvalidInputException($"the request body is over the limit of {limit:N0} characters");
        }
        return new string(buffer, 0, total);
    }

    internal static async Task<JsonObject> ReadObject(HttpRequest request)
    {
        string text = await ReadText(request, BodyLimit);
        try
        {
            return JsonNode.Parse(text) as JsonObject ?? throw new InvalidInputException("the request body must be a JSON object");
        }
        catch (JsonException e)
        {
            throw new InvalidInputException($"the request body is not valid JSON: {e.Message}");
        }
    }

    private static async Task<T> Read<T>(HttpRequest request, int extra = 0)
    {
        string text = await ReadText(request, BodyLimit + 2 * extra);
        try
        {
            return JsonSerializer.Deserialize<T>(text, LabJson.Options) ?? throw new InvalidInputException("the request body is empty");
        }
        catch (JsonException e)
        {
            throw new InvalidInputException($"the request body is not valid JSON for this request: {e.Message}");
        }
    }
}
