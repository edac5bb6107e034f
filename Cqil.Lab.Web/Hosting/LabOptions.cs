namespace Cqil.Lab.Web.Hosting;

/// <summary>The "Lab" section of appsettings.json. Relative paths start at the app's content root.</summary>
public sealed class LabOptions
{
    public const string Section = "Lab";

    /// <summary>Folders (or single checkpoint files) searched for models.</summary>
    public string[] ModelRoots { get; set; } = [];

    /// <summary>
    /// The model every page starts with: the repository's demo model. When it exists the lab shows its heatmap
    /// without any setup; when it does not, the first usable model is used.
    /// </summary>
    public string? DefaultModel { get; set; } = "../models/demo";

    /// <summary>Text analysed when a model has no held-out text of its own (heldout.txt in its folder).</summary>
    public string? DefaultText { get; set; }

    /// <summary>Where the lab keeps its database and uploads.</summary>
    public string DataFolder { get; set; } = "lab-data";

    /// <summary>The SQLite database file (default: lab.db in <see cref="DataFolder"/>).</summary>
    public string? Database { get; set; }

    /// <summary>Benchmark tasks offered for every model, besides a model's own tasks/*.jsonl.</summary>
    public TaskOption[] Tasks { get; set; } = [];

    /// <summary>Compute devices, each with its own job worker (default: one CPU device).</summary>
    public DeviceOption[] Devices { get; set; } = [];

    /// <summary>Largest uploaded analysis text, in bytes.</summary>
    public int MaxUploadBytes { get; set; } = 2 * 1024 * 1024;

    /// <summary>Models kept loaded between jobs.</summary>
    public int LoadedModels { get; set; } = 2;

    /// <summary>On start, analyse the default model once if it has no analysis yet, so its heatmap is ready.</summary>
    public bool AnalyzeDefaultModelOnStartup { get; set; } = true;

    /// <summary>Who may use the lab: accounts (the default) or single-user on localhost.</summary>
    public LabAuthOptions Auth { get; set; } = new();

    /// <summary>How much one user may ask: queued jobs, tokens per job, samples per analysis.</summary>
    public Core.Jobs.JobLimits Limits { get; set; } = new();

    public IReadOnlyList<DeviceOption> EffectiveDevices => Devices.Length > 0 ? Devices : [new DeviceOption()];
}

/// <summary>A task file offered in the lab: a display name, the reader (a TaskCatalog name) and its path.</summary>
public sealed class TaskOption
{
    public string Name { get; set; } = "";
    public string Task { get; set; } = "";
    public string Path { get; set; } = "";
}

/// <summary>A compute device: "cpu" or "cuda:N"; how many jobs it runs at once (lanes) and libtorch threads per lane.</summary>
public sealed class DeviceOption
{
    public string Name { get; set; } = "cpu";

    public int Lanes { get; set; } = 1;

    /// <summary>0: the machine's cores divided among the lanes.</summary>
    public int Threads { get; set; }

    public int EffectiveThreads => Threads > 0 ? Threads : Math.Max(1, Environment.ProcessorCount / Math.Max(1, Lanes));
}
