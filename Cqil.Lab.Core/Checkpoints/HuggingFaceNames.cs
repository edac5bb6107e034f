namespace Cqil.Lab.Core.Checkpoints;

/// <summary>Tensor names of a Hugging Face LlamaForCausalLM (also Mistral and Qwen2) state dict.</summary>
public static class HuggingFaceNames
{
    public const string Embedding = "model.embed_tokens.weight";
    public const string FinalNorm = "model.norm.weight";
    public const string Head = "lm_head.weight";

    public static string Layer(int layer, string part) => $"model.layers.{layer}.{part}";

    public const string AttentionNorm = "input_layernorm.weight";
    public const string FeedForwardNorm = "post_attention_layernorm.weight";
    public const string Q = "self_attn.q_proj";
    public const string K = "self_attn.k_proj";
    public const string V = "self_attn.v_proj";
    public const string O = "self_attn.o_proj";
    public const string Gate = "mlp.gate_proj.weight";
    public const string Up = "mlp.up_proj.weight";
    public const string Down = "mlp.down_proj.weight";
}
