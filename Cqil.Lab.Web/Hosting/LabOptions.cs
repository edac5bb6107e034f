namespace Cqil.Lab.Web.Hosting;

/// <summary>The "Lab" section of appsettings.json.</summary>
public sealed class LabOptions
{
    public const string Section = "Lab";

    /// <summary>Folders (or single checkpoint files) searched for models; relative paths start at the app's content root.</summary>
    public string[] ModelRoots { get; set; } = [];
}
