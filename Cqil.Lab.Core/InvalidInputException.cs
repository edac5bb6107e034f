namespace Cqil.Lab.Core;

/// <summary>
/// Input the lab cannot use (a corrupt checkpoint, a malformed file, an invalid plan…). The message is one
/// line meant for the user: it names the file or object and the problem. Front ends print it without a stack
/// trace (the CLI exits with code 2; the web app shows it and keeps serving).
/// </summary>
public sealed class InvalidInputException : Exception
{
    public InvalidInputException(string message) : base(OneLine(message)) { }

    public InvalidInputException(string message, Exception inner) : base(OneLine(message), inner) { }

    /// <summary>Longest message kept; parser errors can quote whole lines of a broken file.</summary>
    public const int MaxMessageLength = 500;

    /// <summary>Messages are one line: control characters (newlines quoted from a broken file) become spaces.</summary>
    private static string OneLine(string message)
    {
        var chars = message.Select(c => char.IsControl(c) ? ' ' : c).ToArray();
        string line = string.Join(' ', new string(chars).Split(' ', StringSplitOptions.RemoveEmptyEntries));
        return line.Length <= MaxMessageLength ? line : line[..(MaxMessageLength - 1)] + "…";
    }

    /// <summary>Builds "path: problem", the form every file-related message takes.</summary>
    public static InvalidInputException ForFile(string path, string problem, Exception? inner = null) =>
        inner is null ? new($"{path}: {problem}") : new($"{path}: {problem}", inner);
}
