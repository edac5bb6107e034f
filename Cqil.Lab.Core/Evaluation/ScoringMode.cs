namespace Cqil.Lab.Core.Evaluation;

/// <summary>How the requests of one document are computed.</summary>
public enum ScoringMode
{
    /// <summary>
    /// The tokens the requests of a document share (the context, for most tasks) are run once; the KV cache
    /// is then repeated once per request and only each request's own tokens run after it. The default.
    /// </summary>
    SharedPrefix,

    /// <summary>Each request runs its whole context + continuation (what lm-eval does); for comparison.</summary>
    Independent,
}
