using System.Text.Json;

namespace KForensics.Tests.Analysis;

/// <summary>
/// Runs sysdig 0.29.3's table_generator chisel, the engine behind topconns and topfiles_bytes, with the
/// same keys, value and filter those chisels pass it, but with an unlimited row count, raw numbers and
/// JSON output, so every row and every byte count can be compared exactly (the chisels themselves print
/// only the top 30/10 rows, with sizes rounded to text like 1.23KB).
/// </summary>
internal static class ChiselOracle
{
    /// <summary>Sums <paramref name="value"/> (when positive) per key; keys joined with '\u0001\u0001' as the chisel does.</summary>
    public static Dictionary<string, long> Table(string capture, string keys, string viewFilter, string? userFilter, string value = "evt.rawarg.res")
    {
        string descs = string.Join(',', keys.Split(',').Select((_, i) => "K" + i));
        var args = new List<string>
        {
            "-r", capture, "-j", "-c", "table_generator",
            $"{keys} {descs} {value} Bytes '{viewFilter}' 100000000 none",
        };
        if (userFilter is not null)
        {
            args.Add(userFilter);
        }

        string output = SysdigRunner.Run(args);
        int start = output.IndexOf('{');
        var result = new Dictionary<string, long>(StringComparer.Ordinal);
        if (start < 0)
        {
            return result;
        }

        using JsonDocument doc = JsonDocument.Parse(output[start..]);
        foreach (JsonElement row in doc.RootElement.GetProperty("data").EnumerateArray())
        {
            JsonElement[] cells = row.EnumerateArray().ToArray();
            string key = string.Join("\u0001\u0001", cells[..^1].Select(c => c.GetString()));
            result.Add(key, cells[^1].GetInt64());
        }

        return result;
    }
}
