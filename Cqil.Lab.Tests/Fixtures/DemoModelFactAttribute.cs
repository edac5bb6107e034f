using Cqil.Lab.Core.Demo;

namespace Cqil.Lab.Tests.Fixtures;

/// <summary>
/// A test of the committed demo model (models/demo): skipped, with how to make one, while the repository has
/// none, so the tests of its tasks and accuracy run as soon as a model is committed.
/// </summary>
public sealed class DemoModelFactAttribute : FactAttribute
{
    public DemoModelFactAttribute()
    {
        if (SharedData.RepositoryRoot() is not { } root || DemoModelLocator.Find(root) is null)
        {
            Skip = "needs the committed demo model models/demo (make it with `cqil train-demo --out models/demo`)";
        }
    }
}
