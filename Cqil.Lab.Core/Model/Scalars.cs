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

    public static Scalar IntegerZero { get; } = 0L.ToScalar();

    public static Scalar IntegerMinusOne { get; } = (-1L).ToScalar();

    /// <summary>The integer exponent TorchSharp's <c>square()</c> passes to <c>pow</c>.</summary>
    public static Scalar IntegerTwo { get; } = 2L.ToScalar();

    public static Scalar True { get; } = true.ToScalar();

    public static Scalar False { get; } = false.ToScalar();

    /// <summary>A kept-alive scalar of this value; for the few constants a model uses (eps, 1/√d), not for data.</summary>
    public static Scalar Of(double value) => Cache.GetOrAdd(value, v => v.ToScalar());

    /// <summary>a + b with a kept-alive alpha (see the class comment).</summary>
    public static Tensor Plus(this Tensor a, Tensor b) => a.add(b, One);

    /// <summary>a += b in place, with a kept-alive alpha.</summary>
    public static Tensor PlusInPlace(this Tensor a, Tensor b) => a.add_(b, One);

    /// <summary>x², as TorchSharp's <c>square()</c> computes it (pow with the integer 2) but with a kept-alive exponent.</summary>
    public static Tensor Squared(this Tensor x) => x.pow(IntegerTwo);

    /// <summary>[start, stop) in steps of 1 (TorchSharp's shorter <c>arange</c> overloads make the missing bounds as temporaries).</summary>
    public static Tensor Range(long start, long stop, ScalarType dtype, Device device)
    {
        using var from = start.ToScalar();
        using var to = stop.ToScalar();
        return arange(from, to, IntegerOne, dtype, device);
    }

    /// <summary>x · value for a value known only at run time; the scalar lives until the call returns.</summary>
    public static Tensor Times(this Tensor x, double value) => Using(value.ToScalar(), x.mul);

    /// <summary>x ·= value in place (see <see cref="Times"/>).</summary>
    public static Tensor TimesInPlace(this Tensor x, double value) => Using(value.ToScalar(), x.mul_);

    /// <summary>x + value for a value known only at run time (see <see cref="Times"/>).</summary>
    public static Tensor Plus(this Tensor x, double value) => Using(value.ToScalar(), s => x.add(s, One));

    /// <summary>x / value for a value known only at run time (see <see cref="Times"/>).</summary>
    public static Tensor DividedBy(this Tensor x, double value) => Using(value.ToScalar(), s => x.div(s));

    /// <summary>x / value for an integer count known only at run time (an integer scalar, as <c>x / n</c> passes).</summary>
    public static Tensor DividedBy(this Tensor x, long value) => Using(value.ToScalar(), s => x.div(s));

    // Runs op with a fresh scalar and frees it afterwards: the scalar is reachable until op returns.
    private static Tensor Using(Scalar scalar, Func<Scalar, Tensor> op)
    {
        using (scalar)
        {
            return op(scalar);
        }
    }
}
