namespace Cqil.Lab.Tests.Fixtures;

/// <summary>
/// A latency job on the fixture model long enough to hold a lane while a test looks at the queue, whatever the
/// machine's speed: 1000 repetitions of a 128-token prefill and 64 decoded tokens, baseline and S0-E6-P2. A
/// cancelled one stops at its next repetition.
/// </summary>
public static class LongJobs
{
    public const string Latency = """
        {"plans": [{"s": 0, "e": 6, "p": 2}], "latency": {"repetitions": 1000, "warmup": 0, "prompt_length": 128, "decode_tokens": 64, "threads": [1]} }
        """;
}
