using System.Net;
using Cqil.Lab.Core.Access;
using Cqil.Lab.Tests.Fixtures;

namespace Cqil.Lab.Tests.Web;

/// <summary>Through the API, a model can only come from the configured model folders: no "..", no absolute path elsewhere, no symbolic link out.</summary>
public sealed class PathEscapeTests : IAsyncLifetime
{
    private InProcessLab lab = null!;
    private LabApiClient api = null!;
    private string outside = null!;

    public async Task InitializeAsync()
    {
        lab = new InProcessLab();
        // A perfectly good model outside the folders, and a link inside a folder that points at it.
        outside = LabModelFixture.Write(Path.Combine(lab.Folder, "private", "secret-model"));
        File.CreateSymbolicLink(Path.Combine(lab.Root, "escape"), outside);
        File.CreateSymbolicLink(Path.Combine(lab.Root, "alias"), lab.Model);
        api = await lab.ClientAsync("ana", LabRole.Researcher);
    }

    public async Task DisposeAsync() => await lab.DisposeAsync();

    public static TheoryData<string, string> Escapes => new()
    {
        { "../private/secret-model", "may not contain '..'" },
        { "lab-model/../../private/secret-model", "may not contain '..'" },
        { "~/secret-model", "not absolute" },
        { "/etc", "not one of the lab's models" },
        { "escape", "leads outside the configured model folders" },
        { "escape/", "leads outside the model folder" },
    };

    [Theory]
    [MemberData(nameof(Escapes))]
    public async Task Escaping_model_paths_are_refused_by_every_endpoint_that_takes_a_model(string model, string message)
    {
        string json = System.Text.Json.JsonSerializer.Serialize(model);
        foreach (var (path, body) in new[]
        {
            ("/api/jobs/analysis", $"{{\"model\": {json}, \"source\": \"demo\", \"samples\": 2, \"seq_len\": 16}}"),
            ("/api/jobs/generation", $"{{\"model\": {json}, \"prompt\": \"Ann\", \"max_new_tokens\": 1}}"),
            ("/api/runs", $"{{\"model\": {json}, \"tasks\": [\"{LabModelFixture.TaskName}\"], \"limit\": 2}}"),
            ("/api/plans/validate", $"{{\"model\": {json}, \"s\": 2, \"e\": 4, \"p\": 2}}"),
        })
        {
            var (status, answer) = await api.PostAsync(path, body);
            Assert.True(status == HttpStatusCode.BadRequest, $"{path} with model {model}: {(int)status} {answer?.ToJsonString()}");
            Assert.Contains(message, (string?)answer!["error"]);
        }
        var (taskStatus, _) = await api.GetTextAsync($"/api/models/tasks?model={Uri.EscapeDataString(model)}");
        Assert.Equal(HttpStatusCode.BadRequest, taskStatus);
        Assert.Empty((await api.GetAsync("/api/jobs")).AsArray());
    }

    [Fact]
    public async Task The_absolute_path_of_a_model_outside_the_folders_is_refused_and_links_inside_a_folder_work()
    {
        var (status, answer) = await api.PostAsync("/api/jobs/generation", $"{{\"model\": {System.Text.Json.JsonSerializer.Serialize(outside)}, \"prompt\": \"Ann\", \"max_new_tokens\": 1}}");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("paths outside the configured model folders are refused", (string?)answer!["error"]);

        var models = (await api.GetAsync("/api/models")).AsArray();
        var escape = Assert.Single(models, m => (string?)m!["name"] == "escape")!;
        Assert.False((bool?)escape["usable"]);

        // A link that stays inside the folders is an ordinary model.
        var job = await api.PostOkAsync("/api/jobs/generation", "{\"model\": \"alias\", \"prompt\": \"Ann\", \"max_new_tokens\": 1}");
        await api.WaitForAsync((string)job["id"]!, TimeSpan.FromSeconds(60), "done");
    }
}
