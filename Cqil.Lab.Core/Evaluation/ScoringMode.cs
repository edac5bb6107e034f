namespace Cqil.Lab.Core.Evaluation;

/// <summary>How the requests of one document are computed.</summary>
public enum ScoringMode
{
    /// <summary>
    /// The tokens the requests of a document share (the context, for most tasks) are run once into a KV
    /// cache; each request's own tokens then run after a copy of that cache, batched with other requests of
    /// similar length. The default.
    /// </summary>
    SharedPrefix,

    /// <summary>Each request runs its whole context + continuation (what lm-eval does); for comparison.</summary>
    Independent,
}
