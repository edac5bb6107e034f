using System.Globalization;

namespace Cqil.Lab.Web.Components;

/// <summary>Number formats the pages share.</summary>
public static class Format
{
    /// <summary>0.25 → "25.0%".</summary>
    public static string Percent(double value) => double.IsNaN(value) ? "–" : (100 * value).ToString("F1", CultureInfo.InvariantCulture) + "%";

    /// <summary>A number in <paramref name="format"/> (invariant culture), or "–" when missing or NaN.</summary>
    public static string Number(double? value, string format) => value is double v && !double.IsNaN(v) ? v.ToString(format, CultureInfo.InvariantCulture) : "–";
}
