using Cqil.Lab.Core.Runtime;
using Cqil.Lab.Tests.Fixtures;
using static TorchSharp.torch;

namespace Cqil.Lab.Tests.Runtime;

public class MklCodePathTests
{
    [Theory]
    [InlineData(false, "AuthenticAMD", null, true, MklShimOutcome.NotApplicable)]
    [InlineData(true, "GenuineIntel", null, true, MklShimOutcome.NotApplicable)]
    [InlineData(true, null, null, true, MklShimOutcome.NotApplicable)]
    [InlineData(true, "AuthenticAMD", "0", true, MklShimOutcome.DisabledByUser)]
    [InlineData(true, "AuthenticAMD", "off", true, MklShimOutcome.DisabledByUser)]
    [InlineData(true, "AuthenticAMD", null, false, MklShimOutcome.ShimMissing)]
    [InlineData(true, "AuthenticAMD", null, true, MklShimOutcome.Loaded)]
    [InlineData(true, "AuthenticAMD", "1", true, MklShimOutcome.Loaded)]
    public void The_shim_is_loaded_only_on_AMD_Linux_x64_unless_disabled(bool linuxX64, string? vendor, string? disable, bool exists, MklShimOutcome expected) =>
        Assert.Equal(expected, MklCodePath.Decide(linuxX64, vendor, disable, exists));

    [AmdLinuxFact]
    public void On_this_AMD_machine_MKL_leaves_its_generic_kernels()
    {
        Assert.True(File.Exists(Path.Combine(AppContext.BaseDirectory, MklCodePath.ShimFileName)), "the build did not copy the shim beside the tests");
        Assert.Equal(MklShimOutcome.Loaded, MklCodePath.Outcome);
        // 0 is MKL's generic path, the one it takes on AMD CPUs without the shim.
        Assert.True(MklCodePath.DetectedKernelFamily() > 0, $"MKL still reports its generic kernels: {MklCodePath.Describe()}");
        Assert.Contains("Intel path enabled on AMD", MklCodePath.Describe());
    }

    [Fact]
    public void Matrix_products_on_the_chosen_kernels_match_a_double_precision_product()
    {
        using var scope = NewDisposeScope();
        var a = randn(67, 301, generator: new Generator(3));
        var b = randn(301, 129, generator: new Generator(4));
        var product = a.mm(b);
        var exact = a.to(ScalarType.Float64).mm(b.to(ScalarType.Float64));
        double worst = (product.to(ScalarType.Float64) - exact).abs().max().item<double>();
        Assert.True(worst < 1e-3, $"max |float32 − float64| = {worst}");
    }
}
