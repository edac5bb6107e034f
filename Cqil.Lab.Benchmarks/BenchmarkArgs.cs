namespace Cqil.Lab.Benchmarks;

/// <summary>Options shared by the benchmarks.</summary>
public sealed record BenchmarkArgs(bool Quick, string? OutPath, IReadOnlyDictionary<string, string> Extra)
{
    public static BenchmarkArgs Parse(string[] args)
    {
        bool quick = false;
        string? output = null;
        var extra = new Dictionary<string, string>();
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--quick":
                    quick = true;
                    break;
                case "--out" when i + 1 < args.Length:
                    output = args[++i];
                    break;
                default:
                    if (args[i].StartsWith("--", StringComparison.Ordinal) && i + 1 < args.Length)
                    {
                        extra[args[i][2..]] = args[++i];
                    }
                    break;
            }
        }
        return new BenchmarkArgs(quick, output, extra);
    }

    public int Int(string name, int fallback) => Extra.TryGetValue(name, out var v) && int.TryParse(v, out int i) ? i : fallback;

    public double Double(string name, double fallback) =>
        Extra.TryGetValue(name, out var v) && double.TryParse(v, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double d) ? d : fallback;
}
