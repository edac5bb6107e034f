namespace Cqil.Lab.Core.Evaluation;

/// <summary>Batching and truncation of log-likelihood scoring.</summary>
public sealed record ScoringOptions
{
    public ScoringMode Mode { get; init; } = ScoringMode.SharedPrefix;

    /// <summary>
    /// Documents (request groups) scheduled together: their shared prefixes run in as few passes as the
    /// attention budget allows, and their requests' rows are batched by length across all of them (more
    /// documents, less padding; their prefix caches are held at once).
    /// </summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>
    /// A pass also stops growing when its logits (rows × new tokens × vocabulary) would pass this many floats.
    /// Default 2^22 (16 MiB): on the CPU build machine, transient tensors past a few tens of MiB are served by
    /// fresh mmap'd pages and a batch slows down several-fold (measured: stories260K forward of 32×186 tokens
    /// took 1.9 s, 16×186 took 0.09 s). Raise both budgets on a GPU.
    /// </summary>
    public long MaxLogitElements { get; init; } = 1L << 22;

    /// <summary>
    /// … and when its attention scores (rows × heads × query block × keys) would pass this many floats; this
    /// bounds both the prefix pass and each pass of continuation rows. Default 2^20 (4 MiB): measured on
    /// HellaSwag with stories260K (100 items, batch 64), 2^20 … 2^23 scored within 10% of each other (1.59,
    /// 1.59, 1.51 s) once worker-thread heaps stay mapped (see NativeEnvironment); before that, 2^22 ran
    /// several times slower.
    /// </summary>
    public long MaxAttentionElements { get; init; } = 1L << 20;

    /// <summary>
    /// A pass may go past the attention budget, up to <see cref="OversizeFactor"/> times it, while it holds at most
    /// this many rows (documents in a prefix pass) and padding adds at most a quarter to its real positions: long
    /// prompts (few-shot) otherwise run a few rows per pass and per-pass overhead dominates. Measured with
    /// stories260K (2 threads, block attention; 0 vs 16 interleaved in one process, medians of 3–5): 5-shot
    /// HellaSwag 100 items 4.38 → 2.92 s (1232 → 77 passes), 5-shot ARC-Easy 200 items 6.90 → 4.67 s, zero-shot
    /// HellaSwag 400 items 4.13 → 3.53 s, zero-shot ARC-Easy 500 items 1.51 → 1.48 s, PIQA 100 items 0.32 → 0.24 s
    /// (1% more positions; without the padding limit it computed 24% more). 0 = never.
    /// </summary>
    public int MinRowsPerPass { get; init; } = 16;

    /// <summary>How far past <see cref="MaxAttentionElements"/> a pass of fewer than <see cref="MinRowsPerPass"/> rows may go.</summary>
    public const int OversizeFactor = 16;

    /// <summary>Longest input in tokens (lm-eval max_length); null = the model's maximum positions.</summary>
    public int? MaxLength { get; init; }

    public void Validate()
    {
        if (BatchSize < 1)
        {
            throw new InvalidInputException($"batch size must be at least 1, got {BatchSize}");
        }
        if (MaxLength is < 2)
        {
            throw new InvalidInputException($"max length must be at least 2 tokens, got {MaxLength}");
        }
        if (MinRowsPerPass < 0)
        {
            throw new InvalidInputException($"minimum rows per pass cannot be negative, got {MinRowsPerPass}");
        }
        if (MaxLogitElements < 1 || MaxAttentionElements < 1)
        {
            throw new InvalidInputException($"batch budgets must be positive, got {MaxLogitElements} logits and {MaxAttentionElements} attention elements");
        }
    }
}
