namespace Cqil.Lab.Core.Evaluation;

/// <summary>How a task's documents are scored (lm-eval output types).</summary>
public enum TaskKind
{
    /// <summary>multiple_choice: acc, acc_norm.</summary>
    MultipleChoice,

    /// <summary>loglikelihood of a target word: acc (greedy) and perplexity (LAMBADA).</summary>
    LastWord,

    /// <summary>loglikelihood_rolling: word/byte perplexity, bits per byte.</summary>
    Perplexity,
}
