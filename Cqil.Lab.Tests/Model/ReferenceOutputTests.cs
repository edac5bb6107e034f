using Cqil.Lab.Core.Checkpoints;
using Cqil.Lab.Core.Generation;
using Cqil.Lab.Tests.Fixtures;

namespace Cqil.Lab.Tests.Model;

/// <summary>The engine against outputs of independent implementations (../shared/reference/README.md).</summary>
public sealed class ReferenceOutputTests
{
    // llama2.c run.c, greedy, -n 68: the 64 generated ids and the top-5 logits at the first generated position.
    private static readonly int[] Stories260KNewIds =
    [
        432, 383, 286, 261, 376, 298, 315, 421, 395, 317, 426, 338, 401, 396, 267, 337, 410, 408, 419, 292, 411, 322, 265, 282,
        295, 433, 426, 385, 328, 432, 358, 394, 261, 370, 432, 352, 266, 268, 388, 426, 338, 391, 266, 267, 337, 335, 312, 432,
        398, 312, 286, 267, 414, 270, 333, 415, 426, 13, 438, 310, 439, 419, 357, 336,
    ];

    private static readonly (int Id, float Logit)[] Stories260KTop5 =
        [(432, 17.799398f), (383, 14.281259f), (322, 9.709650f), (353, 9.587288f), (323, 9.134244f)];

    [SharedDataFact("data/stories260K/stories260K.bin", "data/stories260K/tok512.bin")]
    public void Stories260K_greedy_generation_reproduces_run_c_exactly()
    {
        using var loaded = CheckpointLoader.Load(SharedData.Stories260K);
        int[] prompt = loaded.Tokenizer.Encode("Once upon a time");
        Assert.Equal([1, 403, 407, 261, 378], prompt);

        var result = TextGenerator.Generate(loaded.Model, loaded.Tokenizer, prompt, new GenerationOptions { MaxNewTokens = 64 });

        Assert.Equal(Stories260KNewIds, result.NewIds);
        Assert.Equal(
            "Once upon a time, there was a little girl named Lily. She loved to play outside in the park. One day, she saw a big, red ball. She wanted to play with it, but it was too high.\nLily's mom said",
            result.Text);
    }

    [SharedDataFact("data/stories260K/stories260K.bin", "data/stories260K/tok512.bin")]
    public void Stories260K_first_position_top5_logits_match_run_c_to_1e4()
    {
        using var loaded = CheckpointLoader.Load(SharedData.Stories260K);
        var logits = ModelRun.Logits(loaded.Model, [1, 403, 407, 261, 378]);
        int last = logits.GetLength(0) - 1;
        var top = Enumerable.Range(0, logits.GetLength(1)).OrderByDescending(i => logits[last, i]).Take(5).ToArray();

        Assert.Equal(Stories260KTop5.Select(t => t.Id), top);
        foreach (var (id, expected) in Stories260KTop5)
        {
            Assert.True(Math.Abs(logits[last, id] - expected) <= 1e-4, $"logit of {id}: {logits[last, id]} vs {expected}");
        }
    }

    [SharedDataFact("data/TinyStories-656K/model.safetensors", "data/TinyStories-656K/tokenizer.json")]
    public void TinyStories656K_reproduces_reference_ids_and_top5_logits()
    {
        using var loaded = CheckpointLoader.Load(SharedData.TinyStories656K);
        int[] prompt = loaded.Tokenizer.Encode("Once upon a time");
        Assert.Equal([1, 80, 147, 201, 282, 57], prompt);

        var result = TextGenerator.Generate(loaded.Model, loaded.Tokenizer, prompt, new GenerationOptions { MaxNewTokens = 32 });
        Assert.Equal(
            [313, 598, 303, 1049, 1468, 267, 628, 333, 94, 1210, 263, 251, 604, 94, 1030, 94, 1030, 94, 436, 220, 1053, 615, 303, 328, 552, 319, 1269, 163, 1945, 897, 645, 1188],
            result.NewIds);

        // The reference prints four decimals; an independent float64 forward, so agreement to ~1e-4 plus rounding.
        var logits = ModelRun.Logits(loaded.Model, prompt.Select(i => (long)i).ToArray());
        int last = logits.GetLength(0) - 1;
        foreach (var (id, expected) in new[] { (313, 17.3808f), (8, 13.7726f), (1773, 13.7435f), (404, 12.6918f), (547, 11.3585f) })
        {
            Assert.True(Math.Abs(logits[last, id] - expected) <= 3e-4, $"logit of {id}: {logits[last, id]} vs {expected}");
        }
    }
}
