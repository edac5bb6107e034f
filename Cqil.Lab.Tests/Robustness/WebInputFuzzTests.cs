using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cqil.Lab.Core;
using Cqil.Lab.Core.Access;
using Cqil.Lab.Tests.Fixtures;
using Cqil.Lab.Web.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace Cqil.Lab.Tests.Robustness;

/// <summary>
/// The web side's inputs meet 1000 mutated inputs each — API JSON bodies of every job kind, plan files imported
/// through the API (the lab's form and the authors'), and uploaded texts (through the API and into the upload
/// store). Property: every answer is a success or a 4xx with a one-line {"error": …} message; never a 5xx, never
/// an unhandled exception; and the lab still answers afterwards.
/// </summary>
[Collection(SerialCollection.Name)]
public sealed class WebInputFuzzTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Count = 1000;
    private InProcessLab lab = null!;
    private LabApiClient api = null!;

    public async Task InitializeAsync()
    {
        // Small limits keep the jobs that mutants do start tiny, and fill the queue quickly (429 is a valid answer).
        lab = new InProcessLab(new Dictionary<string, string>
        {
            ["Lab:Limits:QueuedJobsPerUser"] = "2",
            ["Lab:Limits:TokensPerJob"] = "20000",
            ["Lab:MaxUploadBytes"] = "4096",
        });
        api = await lab.ClientAsync("fuzzer", LabRole.Researcher);
    }

    public async Task DisposeAsync() => await lab.DisposeAsync();

    private static readonly string LabPlan = Encoding.UTF8.GetString(FuzzSeeds.LabPlan());

    public static TheoryData<string, string, string> Targets => new()
    {
        { "plan validate (lab file)", "/api/plans/validate", LabPlan },
        { "plan validate (authors' file)", "/api/plans/validate", "{\"cqil_layers\": [[2, 3]], \"d\": 0}" },
        { "plan validate (S/E/P)", "/api/plans/validate", "{\"s\": 2, \"e\": 4, \"p\": 2, \"d\": 1, \"bypass\": \"residual\"}" },
        { "plan import and save", "/api/plans", "{\"name\": \"fuzzed\", \"groups\": [[2, 3], [4, 5]], \"bypass\": \"ffn-input\"}" },
        { "analysis job", "/api/jobs/analysis", "{\"source\": \"text\", \"text\": \"Ann went to the park.\", \"text_name\": \"u.txt\", \"samples\": 2, \"seq_len\": 16, \"plan\": {\"s\": 2, \"e\": 4, \"p\": 2}}" },
        { "run (evaluation and latency)", "/api/runs", $"{{\"name\": \"f\", \"tasks\": [\"{LabModelFixture.TaskName}\"], \"limit\": 2, \"seed\": 3, \"mode\": \"fused\", \"plans\": [{{\"s\": 2, \"e\": 4, \"p\": 2}}], \"latency\": {{\"modes\": [\"fused\"], \"repetitions\": 2, \"warmup\": 0, \"prompt_length\": 4, \"decode_tokens\": 1, \"threads\": [1]}}}}" },
        { "generation job", "/api/jobs/generation", "{\"prompt\": \"Ann\", \"max_new_tokens\": 2, \"mode\": \"reference\", \"plan\": {\"s\": 2, \"e\": 4, \"p\": 2}}" },
    };

    [Theory]
    [MemberData(nameof(Targets))]
    public async Task Api_bodies(string name, string path, string seed)
    {
        // The lab-format plan file seed is for 8 layers: the fixture model has 6, which is one more way to be refused.
        await Fuzz(name, Encoding.UTF8.GetBytes(seed), bytes => api.SendRawAsync(HttpMethod.Post, path, bytes));
    }

    [Fact]
    public async Task Uploaded_text_through_the_api()
    {
        await Fuzz("upload via API", "Ann went to the park.\n\nBob has a red kite. €\n"u8.ToArray(), bytes =>
        {
            string body = JsonSerializer.Serialize(new { source = "text", text = Encoding.UTF8.GetString(bytes), text_name = "fuzz.txt", samples = 2, seq_len = 16 });
            return api.SendRawAsync(HttpMethod.Post, "/api/jobs/analysis", Encoding.UTF8.GetBytes(body));
        }, expectRejections: false);
    }

    [Fact]
    public void Uploaded_files_into_the_upload_store()
    {
        var actions = lab.Factory.Services.GetRequiredService<LabActions>();
        MutationFuzzer.Check("upload store", "Ann went to the park.\n\nBob has a red kite. €\n"u8.ToArray(),
            bytes => actions.SaveUploadAsync("fuzz.txt", bytes).GetAwaiter().GetResult());
    }

    private async Task Fuzz(string name, byte[] seed, Func<byte[], Task<(HttpStatusCode Status, string Text)>> send, bool expectRejections = true)
    {
        int accepted = 0, refused = 0, i = -1;
        var statuses = new SortedDictionary<int, int>();
        var failures = new List<string>();
        foreach (var mutant in MutationFuzzer.Mutants(seed, Count, 1))
        {
            i++;
            (HttpStatusCode status, string text) = await send(mutant);
            int code = (int)status;
            statuses[code] = statuses.GetValueOrDefault(code) + 1;
            if (code is >= 200 and < 300)
            {
                accepted++;
                continue;
            }
            string? error = null;
            try
            {
                error = (string?)JsonNode.Parse(text)?["error"];
            }
            catch (JsonException)
            {
            }
            if (code is < 400 or >= 500 || string.IsNullOrWhiteSpace(error) || error.Contains('\n'))
            {
                failures.Add($"#{i}: {code} '{text[..Math.Min(200, text.Length)]}' for {MutationFuzzer.Preview(mutant)}");
            }
            refused++;
        }
        output.WriteLine($"{name}: {Count} mutants, {accepted} accepted, {refused} refused; statuses {string.Join(", ", statuses.Select(s => $"{s.Key}×{s.Value}"))}");
        Assert.True(failures.Count == 0, $"{name}: {failures.Count} of {Count} answers broke the property:\n" + string.Join("\n", failures.Take(8)));
        Assert.True(!expectRejections || refused > Count / 10, $"{name}: only {refused} mutants were refused");
        Assert.Equal(HttpStatusCode.OK, (await api.GetTextAsync("/api/models")).Status);
    }
}
