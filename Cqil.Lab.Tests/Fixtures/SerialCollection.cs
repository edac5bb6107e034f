namespace Cqil.Lab.Tests.Fixtures;

/// <summary>Tests that measure the process (memory) run alone, not beside other test classes.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SerialCollection
{
    public const string Name = "serial";
}
