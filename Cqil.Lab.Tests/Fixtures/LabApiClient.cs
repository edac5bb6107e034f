using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace Cqil.Lab.Tests.Fixtures;

/// <summary>A thin JSON client for the lab's HTTP API, as a script would use it: signed with a personal API token when given one.</summary>
public sealed class LabApiClient(HttpClient http, string? token = null)
{
    public HttpClient Http { get; } = http;

    public string? Token { get; } = token;

    public Task<(HttpStatusCode Status, JsonNode? Body)> PostAsync(string path, string json) => SendAsync(HttpMethod.Post, path, json);

    public async Task<(HttpStatusCode Status, JsonNode? Body)> SendAsync(HttpMethod method, string path, string? json = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }
        Sign(request);
        using var response = await Http.SendAsync(request);
        string text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text));
    }

    /// <summary>Any bytes as a JSON body; the answer's status and text, whatever they are.</summary>
    public async Task<(HttpStatusCode Status, string Text)> SendRawAsync(HttpMethod method, string path, byte[] body)
    {
        using var request = new HttpRequestMessage(method, path) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        Sign(request);
        using var response = await Http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    public async Task<JsonNode> PostOkAsync(string path, string json)
    {
        var (status, body) = await PostAsync(path, json);
        Assert.True((int)status is >= 200 and < 300, $"POST {path} answered {(int)status}: {body?.ToJsonString()}");
        return body!;
    }

    public async Task<(HttpStatusCode Status, string Text)> GetTextAsync(string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        Sign(request);
        using var response = await Http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    public async Task<JsonNode> GetAsync(string path)
    {
        var (status, text) = await GetTextAsync(path);
        Assert.True(status == HttpStatusCode.OK, $"GET {path} answered {(int)status}: {text}");
        return JsonNode.Parse(text)!;
    }

    /// <summary>Polls a job until its status is one of <paramref name="statuses"/>.</summary>
    public async Task<JsonNode> WaitForAsync(string jobId, TimeSpan timeout, params string[] statuses)
    {
        var deadline = DateTime.UtcNow + timeout;
        JsonNode job;
        do
        {
            job = await GetAsync($"/api/jobs/{jobId}");
            if (statuses.Contains((string?)job["status"]))
            {
                return job;
            }
            if ((string?)job["status"] is "failed")
            {
                Assert.Fail($"job {jobId} failed: {job["error"]}");
            }
            await Task.Delay(100);
        }
        while (DateTime.UtcNow < deadline);
        Assert.Fail($"job {jobId} is still {job["status"]} after {timeout.TotalSeconds:F0} s, waiting for {string.Join("/", statuses)}");
        return job;
    }

    private void Sign(HttpRequestMessage request)
    {
        if (Token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        }
    }
}
