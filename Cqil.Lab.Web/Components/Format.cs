using System.Globalization;

namespace Cqil.Lab.Web.Components;

/// <summary>Number formats the pages share.</summary>
public static class Format
{
    /// <summary>0.25 → "25.0%".</summary>
    public static string Percent(double value) => double.IsNaN(value) ? "–" : (100 * value).ToString("F1", CultureInfo.InvariantCulture) + "%";
}
