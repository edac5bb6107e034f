using Cqil.Lab.Core;
using Cqil.Lab.Core.Checkpoints;
using Cqil.Lab.Tests.Fixtures;

namespace Cqil.Lab.Tests.Checkpoints;

public sealed class ModelRootsTests : IDisposable
{
    private readonly TempDirectory dir = new();
    private readonly string root;
    private readonly string outside;

    public ModelRootsTests()
    {
        root = Path.Combine(dir.Path, "models");
        outside = Path.Combine(dir.Path, "private");
        Directory.CreateDirectory(Path.Combine(root, "tiny"));
        File.WriteAllText(Path.Combine(root, "tiny", "config.json"), "{}");
        Directory.CreateDirectory(outside);
        File.WriteAllText(Path.Combine(outside, "secret.bin"), "x");
        File.CreateSymbolicLink(Path.Combine(root, "escape"), outside);
        File.CreateSymbolicLink(Path.Combine(root, "alias"), Path.Combine(root, "tiny"));
    }

    public void Dispose() => dir.Dispose();

    [Fact]
    public void Paths_inside_a_root_resolve_including_links_that_stay_inside()
    {
        var roots = new ModelRoots([root]);
        Assert.Equal(Path.Combine(root, "tiny"), roots.Resolve("tiny"));
        Assert.Equal(Path.Combine(root, "tiny", "config.json"), roots.Resolve("tiny/config.json"));
        Assert.Equal(Path.Combine(root, "tiny"), roots.Resolve("alias"));
        Assert.True(roots.Contains(Path.Combine(root, "tiny")));
    }

    [Theory]
    [InlineData("../private/secret.bin", "may not contain '..'")]
    [InlineData("tiny/../../private", "may not contain '..'")]
    [InlineData("/etc/passwd", "not absolute")]
    [InlineData("~/x", "not absolute")]
    [InlineData("escape/secret.bin", "leads outside the model folder")]
    [InlineData("escape", "leads outside the model folder")]
    [InlineData("nothing-here", "was not found")]
    [InlineData("", "empty")]
    public void Escape_attempts_are_refused(string requested, string expected)
    {
        var roots = new ModelRoots([root]);
        var e = Assert.Throws<InvalidInputException>(() => roots.Resolve(requested));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Contains_follows_links()
    {
        var roots = new ModelRoots([root]);
        Assert.False(roots.Contains(Path.Combine(root, "escape", "secret.bin")));
        Assert.False(roots.Contains(outside));
    }
}
