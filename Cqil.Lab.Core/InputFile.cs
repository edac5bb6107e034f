namespace Cqil.Lab.Core;

/// <summary>Reads a user-supplied file, turning "missing", "a folder" and I/O errors into one-line messages naming it.</summary>
public static class InputFile
{
    public static string ReadAllText(string path) => Guard(path, () => File.ReadAllText(path));

    public static string[] ReadAllLines(string path) => Guard(path, () => File.ReadAllLines(path));

    public static byte[] ReadAllBytes(string path) => Guard(path, () => File.ReadAllBytes(path));

    private static T Guard<T>(string path, Func<T> read)
    {
        if (Directory.Exists(path))
        {
            throw InvalidInputException.ForFile(path, "is a folder; expected a file");
        }
        if (!File.Exists(path))
        {
            throw InvalidInputException.ForFile(path, "no such file");
        }
        try
        {
            return read();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw InvalidInputException.ForFile(path, "cannot be read: " + e.Message, e);
        }
    }
}
