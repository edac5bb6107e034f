using System.Diagnostics;
using Cqil.Lab.Core.Model;
using Cqil.Lab.Core.Runtime;
using Cqil.Lab.Core.Tokenization;
using static TorchSharp.torch;

namespace Cqil.Lab.Core.Generation;

/// <summary>
/// Continues a prompt token by token with a KV cache: one prefill over the prompt, then one single-token
/// forward per new token. Works with any <see cref="ICausalLm"/> (the baseline or a CQIL plan). Must run on
/// the thread that owns the model's device.
/// </summary>
public static class TextGenerator
{
    public static GenerationResult Generate(ICausalLm lm, TextTokenizer tokenizer, int[] promptIds, GenerationOptions options,
        Action<int>? onToken = null, CancellationToken cancellationToken = default)
    {
        options.Validate();
        if (promptIds.Length == 0)
        {
            throw new InvalidInputException("the prompt is empty (no tokens); give some text or use a tokenizer that adds BOS");
        }
        var device = lm.Model.Device;
        var sampler = new TokenSampler(options);
        var newIds = new List<int>(options.MaxNewTokens);
        bool stoppedAtEos = false;
        TimeSpan prefill = TimeSpan.Zero;
        var clock = Stopwatch.StartNew();
        using var noGrad = no_grad();
        using var cache = lm.NewCache(1, promptIds.Length + Math.Max(options.MaxNewTokens, 1));
        int[] feed = promptIds;
        while (newIds.Count < options.MaxNewTokens)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int next;
            using (var scope = NewDisposeScope())
            {
                var ids = tensor(feed.Select(i => (long)i).ToArray(), [1, feed.Length], ScalarType.Int64, device);
                var logits = lm.Forward(ids, cache, null, LogitsFor.LastPosition);
                var row = logits.view(-1).cpu();
                next = sampler.Next(row.data<float>().ToArray());
            }
            if (newIds.Count == 0)
            {
                TorchRuntime.Synchronize(device);
                prefill = clock.Elapsed;
            }
            newIds.Add(next);
            onToken?.Invoke(next);
            if (options.StopAtEos && tokenizer.IsEndOfSequence(next))
            {
                stoppedAtEos = true;
                break;
            }
            feed = [next];
        }
        TorchRuntime.Synchronize(device);
        var total = clock.Elapsed;
        string text = tokenizer.Decode(promptIds.Concat(newIds));
        return new GenerationResult(promptIds, newIds.ToArray(), text, stoppedAtEos, prefill, total - prefill);
    }
}
