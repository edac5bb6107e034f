namespace Cqil.Lab.Core.Generation;

/// <summary>How to continue a prompt: greedy when <see cref="Temperature"/> is 0, otherwise seeded sampling.</summary>
public sealed record GenerationOptions
{
    public int MaxNewTokens { get; init; } = 64;

    public double Temperature { get; init; }

    /// <summary>Nucleus sampling threshold (1 = off); only used when sampling.</summary>
    public double TopP { get; init; } = 1.0;

    public long Seed { get; init; }

    /// <summary>Stop at the tokenizer's end-of-sequence ids.</summary>
    public bool StopAtEos { get; init; } = true;

    public void Validate()
    {
        if (MaxNewTokens < 0)
        {
            throw new InvalidInputException($"max new tokens must be >= 0, got {MaxNewTokens}");
        }
        if (Temperature < 0 || double.IsNaN(Temperature))
        {
            throw new InvalidInputException($"temperature must be >= 0, got {Temperature}");
        }
        if (!(TopP > 0 && TopP <= 1))
        {
            throw new InvalidInputException($"top-p must be in (0, 1], got {TopP}");
        }
    }
}
