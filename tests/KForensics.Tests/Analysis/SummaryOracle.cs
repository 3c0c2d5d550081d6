using System.Text.Json;

namespace KForensics.Tests.Analysis;

/// <summary>
/// Runs sysdig 0.29.3's own chisels behind Sysdig Inspect's overview and container list:
/// wsysdig_summary (which runs sysdig a second time itself, with the span it measured, and prints JSON
/// whose metrics carry the totals) and lscontainers with its <c>desc</c> argument (the container table as
/// a Lua table), plus plain <c>sysdig -p</c> runs.
/// </summary>
internal static class SummaryOracle
{
    /// <summary>The totals of every metric wsysdig_summary reports, by metric name, and its info block.</summary>
    /// <param name="span">
    /// Null to let the chisel measure the span in a first run, as Inspect does; otherwise the span in ns
    /// handed to its second run directly (a span far beyond the capture means no samples are taken).
    /// </param>
    public static (Dictionary<string, long> Totals, JsonElement Info) Summary(string capture, string? filter, long? span = null)
    {
        var args = new List<string> { "-r", capture, "-c", "wsysdig_summary" };
        if (span is { } ns)
        {
            args.Add("400," + ns.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        if (filter is not null)
        {
            args.Add(filter);
        }

        return Parse(SysdigRunner.Run(args));
    }

    private static (Dictionary<string, long> Totals, JsonElement Info) Parse(string output)
    {
        const string marker = "{\"progress\": 100, \"data\": ";
        int start = output.IndexOf(marker, StringComparison.Ordinal);
        if (start < 0)
        {
            throw new InvalidOperationException("wsysdig_summary printed no result:\n" + output[..Math.Min(output.Length, 2000)]);
        }

        var reader = new Utf8JsonReader(System.Text.Encoding.UTF8.GetBytes(output[start..]), new JsonReaderOptions { AllowTrailingCommas = true });
        using JsonDocument doc = JsonDocument.ParseValue(ref reader);
        JsonElement data = doc.RootElement.GetProperty("data");
        var totals = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (JsonElement metric in data.GetProperty("metrics").EnumerateArray())
        {
            totals[metric.GetProperty("name").GetString()!] = (long)metric.GetProperty("data").GetProperty("tot").GetDouble();
        }

        return (totals, data.GetProperty("info").Clone());
    }

    /// <summary>
    /// wsysdig_summary as installed, copied to a scratch directory with its one thread-table call of
    /// on_capture_start left out and run with a span so long that it never samples: the tiles it
    /// computes from events, free of the state damage sysdig's filtered thread-table walks cause.
    /// </summary>
    public static Dictionary<string, long> SummaryWithoutTableWalks(string capture, string filter)
    {
        string installed = Path.Combine(ChiselDirectory(), "wsysdig_summary.lua");
        string text = File.ReadAllText(installed);
        const string walk = "\tparse_thread_table_startup()\n";
        if (!text.Contains(walk, StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"{installed} no longer calls parse_thread_table_startup() as expected.");
        }

        string dir = Directory.CreateTempSubdirectory("kf-chisel-").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(dir, "chisels"));
            File.WriteAllText(Path.Combine(dir, "chisels", "kf_summary_events.lua"), text.Replace(walk, "\n", StringComparison.Ordinal));
            string output = SysdigRunner.Run(["-r", Path.GetFullPath(capture), "-c", "kf_summary_events", "400,100000000000000000", filter], dir);
            return Parse(output).Totals;
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>sysdig's system chisel directory, the last one its help lists.</summary>
    private static string ChiselDirectory()
    {
        string help = SysdigRunner.Run(["--help"]);
        int at = help.IndexOf("following directories:", StringComparison.Ordinal);
        string list = help[(at + "following directories:".Length)..];
        list = list[..list.IndexOf('\n')].Trim().TrimEnd('.');
        return list.Split(',', StringSplitOptions.TrimEntries)[^1];
    }

    /// <summary>The rows of <c>lscontainers desc</c>: id, name, type, image of each container sysdig knows at the first event.</summary>
    public static List<Dictionary<string, string>> Containers(string capture)
    {
        // Lua's table dump: "{\n 1 = {\n  id = \"...\",\n  name = ...,\n },\n}".
        var rows = new List<Dictionary<string, string>>();
        Dictionary<string, string>? row = null;
        foreach (string raw in SysdigRunner.Run(["-r", capture, "-c", "lscontainers", "desc"]).Split('\n'))
        {
            string line = raw.Trim();
            if (line.EndsWith("= {", StringComparison.Ordinal) && line != "{")
            {
                row = new Dictionary<string, string>(StringComparer.Ordinal);
                rows.Add(row);
            }
            else if (row is not null && line.IndexOf(" = \"", StringComparison.Ordinal) is int eq and > 0 && line.EndsWith("\",", StringComparison.Ordinal))
            {
                row[line[..eq]] = line[(eq + 4)..^2].Replace("\\\"", "\"", StringComparison.Ordinal).Replace("\\\\", "\\", StringComparison.Ordinal);
            }
        }

        return rows;
    }
}
