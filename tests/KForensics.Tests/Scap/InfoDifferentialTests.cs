using System.Text;
using KForensics.Core.Scap;
using Xunit;
using Xunit.Abstractions;

namespace KForensics.Tests.Scap;

/// <summary>
/// Info of every event against sysdig 0.29.3's %evt.info on the real captures: every event sysdig prints
/// must be ours too, with exactly its text, but for those in <see cref="InfoKnownDifferences"/>.
/// </summary>
public sealed class InfoDifferentialTests(ITestOutputHelper output)
{
    // Fields are separated by a unit separator and records end with a record separator plus a
    // marker: neither byte survives in evt.info (buffers print them as '.'), and infos may span lines.
    private const string FieldSeparator = "\u001f";
    private const string RecordEnd = "\u001e#\u001e";

    public static IEnumerable<object?[]> Files() => SharedCaptures.Rows();

    [SkippableTheory]
    [MemberData(nameof(Files))]
    public void InfoMatchesSysdig(string? file)
    {
        Skip.If(file is null, "../shared/captures is absent");
        Skip.If(SysdigRunner.Executable is null, "sysdig is not installed");
        string path = Path.Combine(SharedCaptures.Directory!, file);
        Dictionary<ulong, (string Type, string Info)> expected = ReadOracle(path);

        // sysdig 0.29.3 cannot read this file (pcapng options in the SHB); its twin without the
        // options is the reference, and the events must be identical.
        if (expected.Count == 0 && file == "libs_curl_google_comments.scap")
        {
            expected = ReadOracle(Path.Combine(SharedCaptures.Directory!, "libs_curl_google.scap"));
        }

        var ours = new Dictionary<ulong, string>();
        using (ScapEventReader reader = ScapEventReader.Open(path))
        {
            foreach (ScapEvent ev in reader.ReadAll(CancellationToken.None))
            {
                if (expected.ContainsKey(ev.Number))
                {
                    ours[ev.Number] = ev.Info;
                }
            }
        }

        List<string> problems = InfoKnownDifferences.Check(file, expected.OrderBy(e => e.Key)
            .Select(e => (e.Key, e.Value.Type, e.Value.Info, ours.GetValueOrDefault(e.Key))));
        output.WriteLine($"{file}: {expected.Count - problems.Count} of {expected.Count} events as sysdig prints them or as listed");
        foreach (string problem in problems.Take(20))
        {
            output.WriteLine("  " + problem);
        }

        Assert.True(problems.Count == 0, $"{file}: {problems.Count} evt.info differences not in InfoKnownDifferences (see the output)");
    }

    private static Dictionary<ulong, (string Type, string Info)> ReadOracle(string path)
    {
        string text;
        try
        {
            text = SysdigRunner.Run("-r", path, "-p", "*%evt.num" + FieldSeparator + "%evt.type" + FieldSeparator + "%evt.info" + RecordEnd);
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
