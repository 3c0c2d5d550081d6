using System.Text;
using KForensics.Core.Scap;
using Xunit;
using Xunit.Abstractions;

namespace KForensics.Tests.Scap;

/// <summary>
/// Info of every event against sysdig 0.29.3's %evt.info on the real captures: at least 99% equal per
/// file; the remaining differences are printed by event type.
/// </summary>
public sealed class InfoDifferentialTests(ITestOutputHelper output)
{
    // Fields are separated by a unit separator and records end with a record separator plus a
    // marker: neither byte survives in evt.info (buffers print them as '.'), and infos may span lines.
    private const string FieldSeparator = "\u001f";
    private const string RecordEnd = "\u001e#\u001e";
    private const double Required = 0.99;

    public static IEnumerable<object?[]> Files() => CaptureFiles.All();

    [SkippableTheory]
    [MemberData(nameof(Files))]
    public void InfoMatchesSysdig(string? file)
    {
        Skip.If(file is null, "../shared/captures is absent");
        Skip.If(SysdigOracle.Executable is null, "sysdig is not installed");
        string path = Path.Combine(CaptureFiles.Directory!, file);
        Dictionary<ulong, (string Type, string Info)> expected = ReadOracle(path);

        // sysdig 0.29.3 cannot read this file (pcapng options in the SHB); its twin without the
        // options is the reference, and the events must be identical.
        if (expected.Count == 0 && file == "libs_curl_google_comments.scap")
        {
            expected = ReadOracle(Path.Combine(CaptureFiles.Directory!, "libs_curl_google.scap"));
        }

        int compared = 0, equal = 0;
        var differences = new SortedDictionary<string, List<string>>(StringComparer.Ordinal);
        using (ScapEventReader reader = ScapEventReader.Open(path))
        {
            foreach (ScapEvent ev in reader.ReadAll(CancellationToken.None))
            {
                if (!expected.TryGetValue(ev.Number, out var oracle))
                {
                    continue;
                }

                compared++;
                string info = ev.Info;
                if (info == oracle.Info)
                {
                    equal++;
                    continue;
                }

                string key = $"{ev.Direction} {oracle.Type}";
                if (!differences.TryGetValue(key, out List<string>? list))
                {
                    differences[key] = list = [];
                }

                list.Add($"#{ev.Number}\n      sysdig: {oracle.Info}\n      module: {info}");
            }
        }

        double ratio = expected.Count == 0 ? 1 : (double)equal / expected.Count;
        output.WriteLine($"{file}: {equal}/{expected.Count} equal ({ratio:P2}), {compared} matched by evt.num");
        foreach ((string type, List<string> list) in differences.OrderByDescending(d => d.Value.Count))
        {
            output.WriteLine($"  {type}: {list.Count}");
            foreach (string sample in list.Take(3))
            {
                output.WriteLine("    " + sample);
            }
        }

        Assert.True(ratio >= Required, $"{file}: only {ratio:P2} of evt.info equal (see the output for the differences)");
    }

    private static Dictionary<ulong, (string Type, string Info)> ReadOracle(string path)
    {
        string text;
        try
        {
            text = SysdigOracle.Run("-r", path, "-p", "*%evt.num" + FieldSeparator + "%evt.type" + FieldSeparator + "%evt.info" + RecordEnd);
        }
        catch (InvalidOperationException)
        {
            // sysdig refuses the file: nothing to compare with.
            return [];
        }

        var result = new Dictionary<ulong, (string, string)>();
        foreach (string record in text.Split(RecordEnd + "\n"))
        {
            if (record.Length == 0)
            {
                continue;
            }

            string[] fields = record.Split(FieldSeparator, 3);
            result[ulong.Parse(fields[0], System.Globalization.CultureInfo.InvariantCulture)] = (fields[1], fields[2]);
        }

        return result;
    }
}
