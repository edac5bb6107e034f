using System.Collections.Concurrent;
using TorchSharp;
using static TorchSharp.torch;

namespace Cqil.Lab.Core.Model;

/// <summary>
/// Long-lived TorchSharp scalars for the forward pass. A number passed where TorchSharp wants a
/// <see cref="Scalar"/> (and the implicit alpha of <c>a + b</c> or <c>add_(s)</c>) becomes a temporary native
/// scalar that only its finalizer frees, and nothing keeps it alive during the native call: a garbage collection
/// in that window can free it mid-call. Seen once in CI (a lab job failed in libtorch's Scalar::toFloat inside
/// add_). Scalars held here are never collected, so the forward's hot paths pass these instead.
/// </summary>
public static class Scalars
{
    private static readonly ConcurrentDictionary<double, Scalar> Cache = new();

    public static Scalar One { get; } = Of(1.0);

    public static Scalar MinusOne { get; } = Of(-1.0);

    /// <summary>1 as an integer, for integer tensors (a floating-point scalar would promote them to float).</summary>
    public static Scalar IntegerOne { get; } = 1L.ToScalar();

    public static Scalar NegativeInfinity { get; } = Of(double.NegativeInfinity);

    /// <summary>A kept-alive scalar of this value; for the few constants a model uses (eps, 1/√d), not for data.</summary>
    public static Scalar Of(double value) => Cache.GetOrAdd(value, v => v.ToScalar());

    /// <summary>a + b with a kept-alive alpha (see the class comment).</summary>
    public static Tensor Plus(this Tensor a, Tensor b) => a.add(b, One);

    /// <summary>a += b in place, with a kept-alive alpha.</summary>
    public static Tensor PlusInPlace(this Tensor a, Tensor b) => a.add_(b, One);
}
