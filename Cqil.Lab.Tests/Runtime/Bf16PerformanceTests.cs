using Cqil.Lab.Core.Runtime;
using static TorchSharp.torch;

namespace Cqil.Lab.Tests.Runtime;

public class Bf16PerformanceTests
{
    [Fact]
    public void Only_a_clearly_slower_bf16_is_reported()
    {
        Assert.Null(Bf16Performance.Describe(1.0));
        Assert.Null(Bf16Performance.Describe(Bf16Performance.SlowFactor));
        Assert.Contains("takes 412x the f32 time", Bf16Performance.Describe(412.3));
    }

    [Fact]
    public void The_warning_follows_the_measurement_on_this_machine_and_concerns_only_bf16_on_the_cpu()
    {
        double slowdown = Bf16Performance.SlowdownOverF32();
        Assert.True(slowdown > 0 && double.IsFinite(slowdown), $"slowdown {slowdown}");
        Assert.Equal(slowdown > Bf16Performance.SlowFactor, Bf16Performance.Warning(ScalarType.BFloat16, CPU) is not null);
        Assert.Null(Bf16Performance.Warning(ScalarType.Float32, CPU));
        Assert.Null(Bf16Performance.Warning(ScalarType.BFloat16, new Device(TorchSharp.DeviceType.CUDA, 0)));
    }
}
