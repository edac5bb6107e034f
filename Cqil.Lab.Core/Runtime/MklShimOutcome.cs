namespace Cqil.Lab.Core.Runtime;

/// <summary>What <see cref="MklCodePath.Prepare"/> did about MKL's vendor check.</summary>
public enum MklShimOutcome
{
    /// <summary>libtorch was loaded some other way than through <see cref="TorchRuntime"/>.</summary>
    NotPrepared,

    /// <summary>Not Linux x64, or not an AMD CPU.</summary>
    NotApplicable,

    /// <summary>The shim is in the global symbol scope: MKL dispatches by CPU features.</summary>
    Loaded,

    DisabledByUser,
    ShimMissing,
    LoadFailed,
}
