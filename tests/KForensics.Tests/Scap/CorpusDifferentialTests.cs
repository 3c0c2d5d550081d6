using System.Text;
using KForensics.Core.Scap;
using Xunit;
using Xunit.Abstractions;

namespace KForensics.Tests.Scap;

/// <summary>
/// Every real capture of ../shared/captures read by KForensics and by sysdig 0.29.3: every event
/// sysdig prints must come out with the same number, time, cpu, thread, process, direction, type,
/// fd name and container (and pid, command line, image, pod and namespace).
/// </summary>
public sealed class CorpusDifferentialTests(ITestOutputHelper output)
{
    private const char Field = '\x1f';
    private const char Record = '\x1e';

    private const string Format = "*\x1e%evt.num\x1f%evt.rawtime\x1f%evt.cpu\x1f%thread.tid\x1f%proc.name\x1f%evt.dir\x1f%evt.type"
        + "\x1f%fd.name\x1f%container.id\x1f%container.name\x1f%evt.info"
        + "\x1f%proc.pid\x1f%proc.cmdline\x1f%container.image\x1f%k8s.pod.name\x1f%k8s.ns.name";

    /// <summary>sysdig 0.29.3 cannot open this file (pcapng options in its section header); its twin without options is the reference.</summary>
    private static readonly Dictionary<string, string> ReferenceFor = new(StringComparer.Ordinal)
    {
        ["libs_curl_google_comments.scap"] = "libs_curl_google.scap",
    };

    /// <summary>
    /// Events where sysdig 0.29.3 itself is wrong or blind, by file and evt.num, with the reason.
    /// The corpus needs none today; an entry must say why sysdig's value is not the truth.
    /// </summary>
    private static readonly Dictionary<(string File, ulong Number), string> KnownOracleFaults = [];

    public static TheoryData<string> Captures
    {
        get
        {
            var data = new TheoryData<string>();
            string? dir = SharedCaptures.Directory;
            if (dir is null)
            {
                data.Add("(no corpus)");
                return data;
            }

            foreach (string file in Directory.GetFiles(dir, "*.scap").Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal))
            {
                data.Add(file);
            }

            return data;
        }
    }

    [SkippableTheory]
    [MemberData(nameof(Captures))]
    public void Every_event_sysdig_prints_has_the_same_fields(string file)
    {
        Skip.If(SharedCaptures.Directory is null, "../shared/captures is absent");
        Skip.If(SysdigRunner.Executable is null, "sysdig is not installed");
        string path = Path.Combine(SharedCaptures.Directory!, file);
        List<string[]> expected = Oracle(Path.Combine(SharedCaptures.Directory!, ReferenceFor.GetValueOrDefault(file, file)));
        Dictionary<(ulong, ulong), ScapEvent> ours = Read(path);
        List<string> problems = Compare(expected, ours, number => KnownOracleFaults.ContainsKey((file, number)));

        foreach (string p in problems.Take(20))
        {
            output.WriteLine(p);
        }

        output.WriteLine($"{file}: {expected.Count} events from sysdig, {ours.Count} read, {problems.Count} differ");
        Assert.Empty(problems);
        Assert.Equal(expected.Count, ours.Count);
    }

    /// <summary>Every field of every event sysdig printed against ours; one line per difference.</summary>
    internal static List<string> Compare(List<string[]> expected, Dictionary<(ulong, ulong), ScapEvent> ours, Func<ulong, bool> excused)
    {
        var problems = new List<string>();
        foreach (string[] s in expected)
        {
            ulong number = ulong.Parse(s[0]);
            if (excused(number))
            {
                continue;
            }

            if (!ours.TryGetValue((number, ulong.Parse(s[1])), out ScapEvent? e))
            {
                problems.Add($"#{number}: missing ({string.Join('|', s[..10])})");
                continue;
            }

            string[] mine =
            [
                e.Cpu.ToString(), e.ThreadId.ToString(), e.ProcessName ?? "<NA>", e.Direction, e.Type,
                e.FdName is null ? "<NA>" : Printed(e.FdName), e.ContainerId ?? "<NA>", e.ContainerName ?? "<NA>",
            ];
            if (!mine.AsSpan().SequenceEqual(s.AsSpan(2..10)))
            {
                problems.Add($"#{number}: sysdig {string.Join('|', s[2..10])} / ours {string.Join('|', mine)}");
            }

            // The other thread/container fields DESIGN.md's ScapEvent carries.
            string[] more =
            [
                e.ProcessId?.ToString() ?? "<NA>", e.CommandLine is null ? "<NA>" : Printed(e.CommandLine),
                e.ContainerImage ?? "<NA>", e.PodName ?? "<NA>", e.Namespace ?? "<NA>",
            ];
            if (!more.AsSpan().SequenceEqual(s.AsSpan(11..16)))
            {
                problems.Add($"#{number}: sysdig {string.Join('|', s[11..16])} / ours {string.Join('|', more)}");
            }
        }

        return problems;
    }

    [SkippableTheory]
    [MemberData(nameof(Captures))]
    public void Info_matches_sysdig_exactly_but_for_the_known_differences(string file)
    {
        Skip.If(SharedCaptures.Directory is null, "../shared/captures is absent");
        Skip.If(SysdigRunner.Executable is null, "sysdig is not installed");
        List<string[]> expected = Oracle(Path.Combine(SharedCaptures.Directory!, ReferenceFor.GetValueOrDefault(file, file)));
        Dictionary<(ulong, ulong), ScapEvent> ours = Read(Path.Combine(SharedCaptures.Directory!, file));
        List<string> problems = InfoKnownDifferences.Check(file, expected.Select(s =>
        {
            ulong number = ulong.Parse(s[0], System.Globalization.CultureInfo.InvariantCulture);
            ours.TryGetValue((number, ulong.Parse(s[1], System.Globalization.CultureInfo.InvariantCulture)), out ScapEvent? e);
            return (number, s[6], s[10], e?.Info);
        }));
        foreach (string problem in problems.Take(20))
        {
            output.WriteLine(problem);
        }

        output.WriteLine($"{file}: {expected.Count - problems.Count} of {expected.Count} as sysdig prints them or as listed");
        Assert.True(problems.Count == 0, $"{file}: {problems.Count} evt.info differences not in InfoKnownDifferences (see the output)");
    }

    /// <summary>sysdig removes unprintable characters when it prints a field.</summary>
    internal static string Printed(string value)
    {
        foreach (char c in value)
        {
            if (c < ' ' || c >= '\x7f')
            {
                var sb = new StringBuilder(value.Length);
                foreach (char k in value)
                {
                    if (k >= ' ' && k < '\x7f')
                    {
                        sb.Append(k);
                    }
                }

                return sb.ToString();
            }
        }

        return value;
    }

    /// <summary>sysdig's fields for every event it prints (one array per event, see <see cref="Format"/>).</summary>
    internal static List<string[]> Oracle(string path)
    {
        string text = SysdigRunner.Run("-r", path, "-p", Format);
        var records = new List<string[]>();
        foreach (string record in text.Split(Record).Skip(1))
        {
            string[] fields = record.TrimEnd('\n').Split(Field);
            Assert.Equal(16, fields.Length);
            records.Add(fields);
        }

        return records;
    }

    internal static Dictionary<(ulong, ulong), ScapEvent> Read(string path)
    {
        var events = new Dictionary<(ulong, ulong), ScapEvent>();
        using ScapEventReader reader = ScapEventReader.Open(path);
        while (reader.TryRead(out ScapEvent? e))
        {
            events.Add((e.Number, e.RawTime), e);
        }

        return events;
    }
}
