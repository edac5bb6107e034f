namespace Cqil.Lab.Core.Model;

/// <summary>
/// The architecture facts of a LLaMA-family decoder (LLaMA 1–3, Mistral without sliding window, Qwen2,
/// TinyLlama, llama2.c models). Produced by the checkpoint readers; immutable.
/// </summary>
public sealed record LlamaConfig
{
    public string ModelType { get; init; } = "llama";
    public required int VocabSize { get; init; }
    public required int HiddenSize { get; init; }
    public required int IntermediateSize { get; init; }
    public required int NumLayers { get; init; }
    public required int NumHeads { get; init; }
    public required int NumKvHeads { get; init; }
    public required int HeadDim { get; init; }
    public double RmsNormEps { get; init; } = 1e-5;
    public double RopeTheta { get; init; } = 10000.0;
    public RopeScaling? RopeScaling { get; init; }
    public int MaxPositions { get; init; } = 2048;
    public bool TieWordEmbeddings { get; init; }

    /// <summary>Biases on the q, k and v projections (Qwen2; LLaMA with attention_bias).</summary>
    public bool QkvBias { get; init; }

    /// <summary>Bias on the output projection (LLaMA with attention_bias; not Qwen2).</summary>
    public bool OutputBias { get; init; }

    public int? BosTokenId { get; init; }
    public IReadOnlyList<int> EosTokenIds { get; init; } = [];

    /// <summary>The dtype the checkpoint declares (torch_dtype), informational.</summary>
    public string? StoredDtype { get; init; }

    public int QueryDim => NumHeads * HeadDim;
    public int KvDim => NumKvHeads * HeadDim;

    /// <summary>Query heads that share one key/value head (grouped-query attention).</summary>
    public int HeadsPerKvHead => NumHeads / NumKvHeads;

    /// <summary>Parameters of the decoder, counting a tied embedding once.</summary>
    public long ParameterCount
    {
        get
        {
            long h = HiddenSize;
            long perLayer = 2 * h
                + h * (QueryDim + 2L * KvDim) + (QkvBias ? QueryDim + 2L * KvDim : 0)
                + (long)QueryDim * h + (OutputBias ? h : 0)
                + 3 * h * IntermediateSize;
            long embeddings = (long)VocabSize * h * (TieWordEmbeddings ? 1 : 2);
            return embeddings + NumLayers * perLayer + h;
        }
    }

    /// <summary>Checks internal consistency; <paramref name="source"/> names the file in the message.</summary>
    public void Validate(string source)
    {
        void Positive(int value, string name)
        {
            if (value <= 0)
            {
                throw InvalidInputException.ForFile(source, $"{name} must be positive, got {value}");
            }
        }
        Positive(VocabSize, "vocab_size");
        Positive(HiddenSize, "hidden_size");
        Positive(IntermediateSize, "intermediate_size");
        Positive(NumLayers, "num_hidden_layers");
        Positive(NumHeads, "num_attention_heads");
        Positive(NumKvHeads, "num_key_value_heads");
        Positive(HeadDim, "head_dim");
        Positive(MaxPositions, "max_position_embeddings");
        if (NumHeads % NumKvHeads != 0)
        {
            throw InvalidInputException.ForFile(source, $"num_attention_heads ({NumHeads}) is not a multiple of num_key_value_heads ({NumKvHeads})");
        }
        if (HeadDim % 2 != 0)
        {
            throw InvalidInputException.ForFile(source, $"head_dim must be even for rotary embeddings, got {HeadDim}");
        }
        if (!(RmsNormEps > 0) || !(RopeTheta > 0))
        {
            throw InvalidInputException.ForFile(source, "rms_norm_eps and rope_theta must be positive");
        }
    }
}
