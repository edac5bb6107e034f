using System.Text.Json;

namespace Cqil.Lab.Core.Evaluation;

/// <summary>The per-item outcome of a run, written one JSON object per line so runs can be paired later.</summary>
public abstract record ItemResult(int Index, string Id)
{
    /// <summary>Whether the item counts as correct for a binary metric (acc, acc_norm); null for others.</summary>
    public abstract bool? Outcome(string metric);

    public void WriteJson(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        writer.WriteNumber("index", Index);
        writer.WriteString("id", Id);
        WriteFields(writer);
        writer.WriteEndObject();
    }

    protected abstract void WriteFields(Utf8JsonWriter writer);
}

/// <summary>A multiple-choice item: per-choice log-likelihoods, the predictions and whether they were right.</summary>
public sealed record MultipleChoiceResult(int Index, string Id, int Gold, double[] LogLikelihoods, bool[] IsGreedy, int[] Tokens, int[] ChoiceLengths)
    : ItemResult(Index, Id)
{
    /// <summary>argmax of the log-likelihoods (the first on ties, as numpy).</summary>
    public int Prediction => ArgMax(LogLikelihoods);

    /// <summary>argmax of log-likelihood / choice length in characters.</summary>
    public int PredictionNorm => ArgMax(LogLikelihoods.Select((v, i) => v / ChoiceLengths[i]).ToArray());

    public bool Acc => Prediction == Gold;

    public bool AccNorm => PredictionNorm == Gold;

    public override bool? Outcome(string metric) => metric switch
    {
        "acc" => Acc,
        "acc_norm" => AccNorm,
        _ => null,
    };

    protected override void WriteFields(Utf8JsonWriter writer)
    {
        writer.WriteNumber("gold", Gold);
        writer.WriteNumber("pred", Prediction);
        writer.WriteNumber("pred_norm", PredictionNorm);
        writer.WriteBoolean("acc", Acc);
        writer.WriteBoolean("acc_norm", AccNorm);
        writer.WritePropertyName("loglikelihoods");
        JsonSerializer.Serialize(writer, LogLikelihoods);
        writer.WritePropertyName("is_greedy");
        JsonSerializer.Serialize(writer, IsGreedy);
        writer.WritePropertyName("tokens");
        JsonSerializer.Serialize(writer, Tokens);
        writer.WritePropertyName("choice_chars");
        JsonSerializer.Serialize(writer, ChoiceLengths);
    }

    private static int ArgMax(double[] values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++)
        {
            if (values[i] > values[best])
            {
                best = i;
            }
        }
        return best;
    }
}

/// <summary>A LAMBADA item: the target's log-likelihood and whether greedy decoding reproduces it.</summary>
public sealed record LastWordResult(int Index, string Id, double LogLikelihood, bool IsGreedy, int Tokens) : ItemResult(Index, Id)
{
    public override bool? Outcome(string metric) => metric == "acc" ? IsGreedy : null;

    protected override void WriteFields(Utf8JsonWriter writer)
    {
        writer.WriteBoolean("acc", IsGreedy);
        writer.WriteNumber("loglikelihood", LogLikelihood);
        writer.WriteNumber("tokens", Tokens);
    }
}

/// <summary>A perplexity document: its summed log-likelihood over all windows and the counts that normalise it.</summary>
public sealed record PerplexityResult(int Index, string Id, double LogLikelihood, int Tokens, int Words, int Bytes, int Windows) : ItemResult(Index, Id)
{
    public override bool? Outcome(string metric) => null;

    protected override void WriteFields(Utf8JsonWriter writer)
    {
        writer.WriteNumber("loglikelihood", LogLikelihood);
        writer.WriteNumber("tokens", Tokens);
        writer.WriteNumber("words", Words);
        writer.WriteNumber("bytes", Bytes);
        writer.WriteNumber("windows", Windows);
    }
}
