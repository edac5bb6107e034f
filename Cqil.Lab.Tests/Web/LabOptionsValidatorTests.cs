using Cqil.Lab.Web.Hosting;

namespace Cqil.Lab.Tests.Web;

public sealed class LabOptionsValidatorTests
{
    private static IEnumerable<string> Failures(LabOptions options) =>
        new LabOptionsValidator().Validate(null, options).Failures ?? [];

    [Fact]
    public void The_shipped_defaults_are_valid()
    {
        Assert.Empty(Failures(new LabOptions { ModelRoots = ["../models"] }));
        Assert.Equal("cpu", Assert.Single(new LabOptions().EffectiveDevices).Name);
    }

    [Fact]
    public void Each_bad_setting_is_named()
    {
        var failures = Failures(new LabOptions
        {
            ModelRoots = [" "],
            DataFolder = "",
            Devices = [new DeviceOption { Name = "tpu", Lanes = 0 }, new DeviceOption { Name = "cpu", Threads = -1 }, new DeviceOption { Name = "CPU" }],
            Tasks = [new TaskOption { Name = "x", Task = "nope", Path = "x.jsonl" }],
            MaxUploadBytes = 10,
            LoadedModels = 0,
        }).ToList();

        Assert.Contains(failures, f => f.Contains("Lab:ModelRoots:0 is empty"));
        Assert.Contains(failures, f => f.Contains("Lab:DataFolder is empty"));
        Assert.Contains(failures, f => f.Contains("'tpu': expected cpu, cuda or cuda:N"));
        Assert.Contains(failures, f => f.Contains("Lab:Devices:0:Lanes must be between 1 and 16"));
        Assert.Contains(failures, f => f.Contains("Lab:Devices:1:Threads must be >= 0"));
        Assert.Contains(failures, f => f.Contains("lists a device twice"));
        Assert.Contains(failures, f => f.Contains("Lab:Tasks:0:Task 'nope' is not a known task reader"));
        Assert.Contains(failures, f => f.Contains("Lab:MaxUploadBytes"));
        Assert.Contains(failures, f => f.Contains("Lab:LoadedModels"));
    }
}
