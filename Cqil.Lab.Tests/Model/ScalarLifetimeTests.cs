using Cqil.Lab.Core.Model;
using Cqil.Lab.Tests.Fixtures;
using TorchSharp;
using static TorchSharp.torch;

namespace Cqil.Lab.Tests.Model;

/// <summary>
/// The lab's own code never hands libtorch a scalar that a garbage collection could free during the call
/// (a lab job once died in Scalar::toFloat under add_): Core, the web app, the CLI, the benchmarks and these tests
/// (which run in parallel, so another test's allocations can trigger the collection) are checked call by call.
/// </summary>
public sealed class ScalarLifetimeTests
{
    [Fact]
    public void The_labs_code_passes_only_scalars_that_stay_alive()
    {
        var assemblies = new[] { typeof(Scalars).Assembly, typeof(Program).Assembly, typeof(global::Cqil.Lab.Cli.CqilCommandLine).Assembly, typeof(global::Cqil.Lab.Benchmarks.BenchmarkArgs).Assembly, typeof(ScalarLifetimeTests).Assembly };
        // Scalars itself makes the kept-alive scalars (held for the process's life); this class uses the unsafe forms
        // on purpose (the finder's samples, and the operators the helpers are compared with).
        bool Exempt(Type t) => t == typeof(Scalars) || t == typeof(ScalarLifetimeTests) || (t.DeclaringType is { } d && Exempt(d));
        var found = TemporaryScalarFinder.Find(assemblies.SelectMany(a => a.GetTypes()), exempt: Exempt);
        Assert.True(found.Count == 0, "temporary TorchSharp scalars (use Model/Scalars):\n" + string.Join("\n", found));
    }

    [Fact]
    public void The_finder_flags_each_kind_of_temporary_and_passes_the_kept_alive_forms()
    {
        var found = TemporaryScalarFinder.Find([typeof(Samples)]);
        string[] flagged = [.. found.Select(f => f.Split(':')[0].Split('.')[^1]).Distinct().Order()];
        Assert.Equal(["Arange", "Clamp", "Plus", "Square", "Times", "Unreleased"], flagged);
    }

    /// <summary>Unsafe forms (flagged) and their safe counterparts (named Safe*, never flagged).</summary>
    private static class Samples
    {
        public static Tensor Plus(Tensor a, Tensor b) => a + b;
        public static Tensor Times(Tensor a) => a * 2.0;
        public static Tensor Clamp(Tensor a) => a.clamp_min(0);
        public static Tensor Square(Tensor a) => a.square();
        public static Tensor Arange(long n) => arange(n, ScalarType.Int64);
        public static Tensor Unreleased(Tensor a) => a.mul(2.0.ToScalar());

        public static Tensor SafePlus(Tensor a, Tensor b) => a.Plus(b);
        public static Tensor SafeTimes(Tensor a) => a.Times(2.0);
        public static Tensor SafeClamp(Tensor a) => a.clamp_min(Scalars.IntegerZero);
        public static Tensor SafeSquare(Tensor a) => a.Squared();
        public static Tensor SafeArange(long n) => Scalars.Range(0, n, ScalarType.Int64, CPU);
        public static Tensor SafeSub(Tensor a, Tensor b) => a - b;

        public static Tensor SafeReleased(Tensor a)
        {
            using var two = 2.0.ToScalar();
            return a.mul(two);
        }
    }

    [Fact]
    public void Kept_alive_helpers_compute_what_the_operators_do()
    {
        var x = randn([3, 5], generator: new Generator(2));
        var y = randn([3, 5], generator: new Generator(3));
        Assert.True(x.Plus(y).equal(x + y).all().item<bool>());
        Assert.True(x.Squared().equal(x.square()).all().item<bool>());
        Assert.True(x.Times(0.1).equal(x * 0.1).all().item<bool>());
        Assert.True(x.DividedBy(7).equal(x / 7).all().item<bool>());
        Assert.True(Scalars.Range(3, 9, ScalarType.Int64, CPU).equal(arange(3, 9, ScalarType.Int64)).all().item<bool>());
        Assert.True(Scalars.Range(0, 6, ScalarType.Float32, CPU).equal(arange(6, ScalarType.Float32)).all().item<bool>());
    }
}
