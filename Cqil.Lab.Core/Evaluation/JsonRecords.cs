using System.Text.Json;

namespace Cqil.Lab.Core.Evaluation;

/// <summary>
/// Reads JSON data files (one object per line, or one array of objects) and their fields, with every problem
/// reported as "file:line: problem" (an <see cref="InvalidInputException"/>).
/// </summary>
public static class JsonRecords
{
    /// <summary>One record of a data file: its JSON object and the 1-based line it starts on.</summary>
    public sealed record Record(string Path, int Line, JsonElement Value)
    {
        public InvalidInputException Error(string problem) => InvalidInputException.ForFile($"{Path}:{Line}", problem);

        public bool Has(string name) => Value.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null;

        public JsonElement Field(string name) =>
            Value.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null ? v : throw Error($"missing field \"{name}\"");

        public string String(string name)
        {
            var v = Field(name);
            return v.ValueKind == JsonValueKind.String ? v.GetString()! : throw Error($"field \"{name}\" must be a string, got {Kind(v)}");
        }

        public string? OptionalString(string name) => Has(name) ? String(name) : null;

        /// <summary>A string field that some exports write as a number ("1" or 1).</summary>
        public string StringOrNumber(string name)
        {
            var v = Field(name);
            return v.ValueKind switch
            {
                JsonValueKind.String => v.GetString()!,
                JsonValueKind.Number => v.GetRawText(),
                _ => throw Error($"field \"{name}\" must be a string or a number, got {Kind(v)}"),
            };
        }

        public int Int(string name)
        {
            var v = Field(name);
            if (v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out int i))
            {
                return i;
            }
            if (v.ValueKind == JsonValueKind.String && int.TryParse(v.GetString(), System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out i))
            {
                return i;
            }
            throw Error($"field \"{name}\" must be an integer, got {Kind(v)} {Shorten(v.GetRawText())}");
        }

        public bool Bool(string name)
        {
            var v = Field(name);
            return v.ValueKind switch
            {
                JsonValueKind.True => true,
                JsonValueKind.False => false,
                _ => throw Error($"field \"{name}\" must be true or false, got {Kind(v)}"),
            };
        }

        public string[] Strings(string name)
        {
            var v = Field(name);
            if (v.ValueKind != JsonValueKind.Array)
            {
                throw Error($"field \"{name}\" must be an array of strings, got {Kind(v)}");
            }
            return v.EnumerateArray().Select((e, i) => e.ValueKind == JsonValueKind.String ? e.GetString()! : throw Error($"field \"{name}\"[{i}] must be a string, got {Kind(e)}")).ToArray();
        }

        /// <summary>The id field when present (string or number), else the record's position.</summary>
        public string IdOr(string name, int index) =>
            Value.TryGetProperty(name, out var v) ? v.ValueKind == JsonValueKind.String ? v.GetString()! : v.GetRawText() : index.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>The non-blank lines of a JSONL file, each parsed as a JSON object.</summary>
    public static IReadOnlyList<Record> ReadLines(string path)
    {
        var records = new List<Record>();
        int line = 0;
        foreach (string text in ReadAllLines(path))
        {
            line++;
            if (string.IsNullOrWhiteSpace(text))
            {
                continue;
            }
            JsonElement value;
            try
            {
                using var doc = JsonDocument.Parse(text);
                value = doc.RootElement.Clone();
            }
            catch (JsonException e)
            {
                throw InvalidInputException.ForFile($"{path}:{line}", $"not valid JSON ({FirstSentence(e.Message)})");
            }
            if (value.ValueKind != JsonValueKind.Object)
            {
                throw InvalidInputException.ForFile($"{path}:{line}", $"expected a JSON object per line, got {Kind(value)}");
            }
            records.Add(new Record(path, line, value));
        }
        if (records.Count == 0)
        {
            throw InvalidInputException.ForFile(path, "no records (the file is empty)");
        }
        return records;
    }

    /// <summary>A file holding one JSON array of objects (BoolQ's dev file); line numbers are those of each object's start.</summary>
    public static IReadOnlyList<Record> ReadArray(string path)
    {
        byte[] bytes = ReadAllBytes(path);
        var lineStarts = new List<int> { 0 };
        for (int i = 0; i < bytes.Length; i++)
        {
            if (bytes[i] == (byte)'\n')
            {
                lineStarts.Add(i + 1);
            }
        }
        int LineOf(long offset)
        {
            int at = lineStarts.BinarySearch((int)offset);
            return (at >= 0 ? at : ~at - 1) + 1;
        }
        var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip });
        var records = new List<Record>();
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray)
            {
                throw InvalidInputException.ForFile($"{path}:{LineOf(reader.TokenStartIndex)}", "expected a JSON array of objects");
            }
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                int line = LineOf(reader.TokenStartIndex);
                if (reader.TokenType != JsonTokenType.StartObject)
                {
                    throw InvalidInputException.ForFile($"{path}:{line}", $"expected a JSON object, got {reader.TokenType}");
                }
                using var doc = JsonDocument.ParseValue(ref reader);
                records.Add(new Record(path, line, doc.RootElement.Clone()));
            }
        }
        catch (JsonException e)
        {
            throw InvalidInputException.ForFile($"{path}:{(e.LineNumber ?? 0) + 1}", $"not valid JSON ({FirstSentence(e.Message)})");
        }
        if (records.Count == 0)
        {
            throw InvalidInputException.ForFile(path, "no records (the array is empty)");
        }
        return records;
    }

    /// <summary>Lines of a text file, with a clear message when it cannot be read.</summary>
    public static string[] ReadAllLines(string path) => InputFile.ReadAllLines(path);

    public static string ReadAllText(string path) => InputFile.ReadAllText(path);

    public static byte[] ReadAllBytes(string path) => InputFile.ReadAllBytes(path);

    private static string Kind(JsonElement v) => v.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };

    private static string Shorten(string s) => s.Length <= 40 ? s : s[..37] + "...";

    private static string FirstSentence(string message)
    {
        int dot = message.IndexOf(". ", StringComparison.Ordinal);
        return dot > 0 ? message[..dot] : message.TrimEnd('.');
    }
}
