using static TorchSharp.torch;

namespace Cqil.Lab.Core.Model;

/// <summary>
/// Explicit rotary positions and visibility for one pass, instead of plain causal order: lets several
/// continuations of one cached prefix share a row (each sees the prefix and its own earlier tokens, not the
/// others'), so a prefix is cached once instead of once per continuation. <see cref="Visible"/> is
/// [B, T, past+T] (query t may attend to key s); a token is real when it sees itself. A cache that has run a
/// packed pass is meant for scoring that pass, not for decoding on.
/// </summary>
public sealed record TokenLayout(Tensor Positions, Tensor Visible);
