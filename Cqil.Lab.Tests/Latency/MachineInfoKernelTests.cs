using Cqil.Lab.Core.Latency;
using Cqil.Lab.Core.Model;
using Cqil.Lab.Tests.Fixtures;

namespace Cqil.Lab.Tests.Latency;

// Serial: the prefill kernel is a process-wide setting, so no other test may run while it is switched.
[Collection(SerialCollection.Name)]
public sealed class MachineInfoKernelTests
{
    [Fact]
    public void Latency_reports_name_the_prefill_kernel_they_ran_with()
    {
        var before = LayerMath.PrefillKernel;
        try
        {
            LayerMath.PrefillKernel = PrefillAttention.Blocks;
            var machine = MachineInfo.Describe();
            Assert.Equal("blocks", machine.PrefillKernel);
            Assert.Contains("; prefill attention blocks", machine.OneLine());
            LayerMath.PrefillKernel = PrefillAttention.Fused;
            Assert.EndsWith("; prefill attention fused", MachineInfo.Describe().SoftwareSettings());
        }
        finally
        {
            LayerMath.PrefillKernel = before;
        }
    }
}
