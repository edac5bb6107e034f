using System.Text.Json;

namespace Cqil.Lab.Core;

/// <summary>
/// The last line of defence of a parser: structural surprises deep inside a file (a missing key, a string
/// where a number belongs, invalid UTF-8 inside JSON, a duplicate vocabulary entry) surface from the
/// libraries as generic exceptions; here they become a one-line <see cref="InvalidInputException"/> naming
/// the file, so no malformed input can take a front end down. Parsers still check what they can first and
/// give specific messages; this catches what they did not foresee.
/// </summary>
public static class MalformedInput
{
    public static T Guard<T>(string source, string what, Func<T> parse)
    {
        try
        {
            return parse();
        }
        catch (Exception e) when (IsParseFailure(e))
        {
            throw InvalidInputException.ForFile(source, $"malformed {what}: {e.Message}", e);
        }
    }

    public static bool IsParseFailure(Exception e) =>
        e is JsonException or InvalidOperationException or KeyNotFoundException or FormatException or ArgumentException
            or OverflowException or IndexOutOfRangeException or InvalidCastException;

}
