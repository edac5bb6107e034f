namespace Cqil.Lab.Core;

/// <summary>
/// Input the lab cannot use (a corrupt checkpoint, a malformed file, an invalid plan…). The message is one
/// line meant for the user: it names the file or object and the problem. Front ends print it without a stack
/// trace (the CLI exits with code 2; the web app shows it and keeps serving).
/// </summary>
public sealed class InvalidInputException : Exception
{
    public InvalidInputException(string message) : base(message) { }

    public InvalidInputException(string message, Exception inner) : base(message, inner) { }

    /// <summary>Builds "path: problem", the form every file-related message takes.</summary>
    public static InvalidInputException ForFile(string path, string problem, Exception? inner = null) =>
        inner is null ? new($"{path}: {problem}") : new($"{path}: {problem}", inner);
}
