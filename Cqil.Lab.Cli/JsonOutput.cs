using System.Text.Encodings.Web;
using System.Text.Json;

namespace Cqil.Lab.Cli;

/// <summary>JSON settings for machine-readable output: readable characters (no \u0027 for quotes), compact.</summary>
public static class JsonOutput
{
    public static readonly JsonSerializerOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
}
