namespace Cqil.Lab.Core.Demo;

/// <summary>
/// How the demo model is trained. <see cref="Recipe"/> is the committed model's recipe (and `cqil train-demo`'s
/// defaults), sized to finish within 30 minutes on a two-core CPU.
/// </summary>
public sealed record DemoTrainingSettings
{
    /// <summary>
    /// The committed model's recipe: a 4-layer, hidden-64 model for 3000 steps of 64 stories, answers only in the
    /// loss and query/key weights initialized 10× larger (measured: the lookups form by ~2000 steps instead of
    /// not at all), grown to 12 layers for 1000 more steps.
    /// </summary>
    public static DemoTrainingSettings Recipe { get; } = new()
    {
        Model = new DemoModelSpec { Layers = 12, Hidden = 64, Intermediate = 192 },
        Steps = 4000,
        BatchSize = 64,
        PeakLearningRate = 1e-3,
        GrownPeakLearningRate = 5e-4,
        GrowFromLayers = 4,
        ShallowSteps = 3000,
        QueryKeyInitScale = 10,
        ContextWeight = 0,
        ProbeRate = 0,
        CurriculumSteps = 0,
        MinEvents = 6,
        EvaluateEvery = 500,
    };

    public ulong Seed { get; init; } = 1;

    public DemoModelSpec Model { get; init; } = new();

    public int Steps { get; init; } = 1500;

    /// <summary>Stories per step (each padded to the longest in its batch).</summary>
    public int BatchSize { get; init; } = 32;

    public double PeakLearningRate { get; init; } = 2e-3;

    /// <summary>The cosine decay ends at this fraction of the peak.</summary>
    public double FinalLearningRateFraction { get; init; } = 0.1;

    public int WarmupSteps { get; init; } = 100;

    public double WeightDecay { get; init; } = 0.1;

    public double Beta1 { get; init; } = 0.9;

    public double Beta2 { get; init; } = 0.98;

    /// <summary>
    /// Steps over which the longest training story grows from no events (the answers stand in the intro) to
    /// <see cref="StoryGenerator.MaxEvents"/>: looking a fact up is learned on short stories first, keeping
    /// track of changes after it. Measured: on full-length stories from the start, no progress in 500 steps.
    /// </summary>
    public int CurriculumSteps { get; init; } = 600;

    /// <summary>Fewest events in a training story after the curriculum (held-out stories have 6 or more).</summary>
    public int MinEvents { get; init; } = 0;

    /// <summary>Loss weight of every token but the answers, relative to answers (see <see cref="TrainingStories"/>).</summary>
    public double ContextWeight { get; init; } = 0.05;

    /// <summary>Chance of a probe question after the intro and after each event of a training story (see <see cref="StoryGenerator"/>).</summary>
    public double ProbeRate { get; init; } = 0.5;

    /// <summary>
    /// Layers of the shallow model trained first, then grown to <see cref="DemoModelSpec.Layers"/> by inserting
    /// identity layers (see <see cref="TrainableLlama.Grow"/>); 0 trains the full depth from the start.
    /// </summary>
    public int GrowFromLayers { get; init; }

    /// <summary>Multiplies the initial query/key weights (see <see cref="TrainableLlama.Create"/>).</summary>
    public double QueryKeyInitScale { get; init; } = 1;

    /// <summary>Of <see cref="Steps"/>, how many train the shallow model when <see cref="GrowFromLayers"/> is set.</summary>
    public int ShallowSteps { get; init; }

    /// <summary>Peak learning rate after growing: lower than the shallow phase's, so the grown stack refines what the shallow model learned instead of shaking it loose.</summary>
    public double GrownPeakLearningRate { get; init; } = 1e-3;

    /// <summary>Gradients are rescaled to at most this global L2 norm.</summary>
    public double GradientClip { get; init; } = 1.0;

    /// <summary>Steps between evaluations (held-out loss and task accuracy on a few items); 0 = only at the end.</summary>
    public int EvaluateEvery { get; init; } = 250;

    /// <summary>Items per task scored at each periodic evaluation.</summary>
    public int EvaluationItemsPerTask { get; init; } = 48;

    /// <summary>Multiple-choice items written per task (from held-out stories).</summary>
    public int ItemsPerTask { get; init; } = 500;

    /// <summary>Held-out stories written as plain text (perplexity, similarity analysis).</summary>
    public int HeldOutTextStories { get; init; } = 200;

    /// <summary>Steps between checkpoints; 0 = none.</summary>
    public int CheckpointEvery { get; init; } = 500;

    public void Validate()
    {
        Model.Validate();
        if (Steps < 1 || BatchSize < 1)
        {
            throw new InvalidInputException($"training settings: steps ({Steps}) and batch size ({BatchSize}) must be at least 1");
        }
        if (GrowFromLayers < 0 || GrowFromLayers > Model.Layers || (GrowFromLayers > 0 && (ShallowSteps < 1 || ShallowSteps >= Steps)))
        {
            throw new InvalidInputException($"training settings: growing from {GrowFromLayers} layers needs 1 to {Model.Layers} layers and shallow steps ({ShallowSteps}) between 1 and the total steps ({Steps}) minus one");
        }
        if (WarmupSteps < 0 || EvaluateEvery < 0 || CheckpointEvery < 0 || EvaluationItemsPerTask < 0 || ItemsPerTask < 1 || HeldOutTextStories < 1 || CurriculumSteps < 0 || MinEvents is < 0 or > StoryGenerator.MaxEvents)
        {
            throw new InvalidInputException($"training settings: warm-up, evaluation and checkpoint intervals must not be negative; items per task and held-out stories must be at least 1; the fewest events within 0–{StoryGenerator.MaxEvents}");
        }
        if (!(PeakLearningRate > 0) || !(GrownPeakLearningRate > 0) || FinalLearningRateFraction is < 0 or > 1 || WeightDecay < 0 || !(GradientClip > 0) || ContextWeight is < 0 or > 1 || ProbeRate is < 0 or > 1 || !(QueryKeyInitScale > 0))
        {
            throw new InvalidInputException("training settings: the learning rate, gradient clip and query/key init scale must be positive, the final fraction in [0, 1], weight decay not negative, the context weight and probe rate in [0, 1]");
        }
    }
}
