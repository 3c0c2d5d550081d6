using KForensics.Core.Scap.Export;
using Xunit;
using Xunit.Abstractions;

namespace KForensics.Tests.Scap.Export;

/// <summary>
/// Round trip through the real sysdig: the events sysdig prints for a filter on the original capture
/// must be the events it prints, unfiltered, for the exported capture, with the same thread, fd and
/// container fields (evt.num is left out: the export renumbers).
/// </summary>
public sealed class ExportRoundTripTests(ITestOutputHelper output)
{
    private const string Format = "*%evt.rawtime %evt.cpu %thread.tid %proc.name %evt.dir %evt.type %fd.name %container.id %container.name %evt.info";

    private static readonly string[] Filters =
    [
        "evt.type in (open, openat)",
        "proc.name=nginx",
        "fd.name contains /etc",
        "container.id!=host",
    ];

    /// <summary>
    /// File/filter pairs where the exported capture cannot reproduce sysdig 0.29.3's output, with the reason.
    /// </summary>
    private static readonly Dictionary<(string File, string Filter), string> KnownDifferences = new()
    {
    };

    public static TheoryData<string, string> Cases
    {
        get
        {
            var data = new TheoryData<string, string>();
            if (CaptureFiles.Directory is null)
            {
                data.Add("(no corpus)", Filters[0]);
                return data;
            }

            foreach (string file in Directory.GetFiles(CaptureFiles.Directory, "*.scap").Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal))
            {
                // sysdig 0.29.3 cannot open this one (pcapng options in its section header).
                if (file == "libs_curl_google_comments.scap")
                {
                    continue;
                }

                foreach (string filter in Filters)
                {
                    data.Add(file, filter);
                }
            }

            return data;
        }
    }

    [SkippableTheory]
    [MemberData(nameof(Cases))]
    public void Sysdig_prints_the_same_events_from_the_export(string file, string filter)
    {
        Skip.If(CaptureFiles.Directory is null, "../shared/captures is absent");
        Skip.If(SysdigOracle.Executable is null, "sysdig is not installed");
        Skip.If(KnownDifferences.ContainsKey((file, filter)), KnownDifferences.GetValueOrDefault((file, filter)) ?? string.Empty);
        string source = Path.Combine(CaptureFiles.Directory!, file);
        string exported = Path.Combine(Path.GetTempPath(), $"kf-export-{Guid.NewGuid():N}.scap");
        try
        {
            ScapExportSummary summary;
            using (var stream = new FileStream(exported, FileMode.CreateNew, FileAccess.Write))
            {
                summary = ScapExporter.Export([source], filter, stream, gzip: false, includeEnterEvents: false, CancellationToken.None);
            }

            string[] expected = Lines(SysdigOracle.Run("-r", source, "-p", Format, filter));
            string[] actual = Lines(SysdigOracle.Run("-r", exported, "-p", Format));
            output.WriteLine($"{file} [{filter}]: sysdig prints {expected.Length} events; exported {summary.EventCount}, {summary.ThreadCount} threads, {summary.FdCount} fds");
            int shown = 0;
            for (int i = 0; i < Math.Max(expected.Length, actual.Length) && shown < 10; i++)
            {
                string e = i < expected.Length ? expected[i] : "(none)";
                string a = i < actual.Length ? actual[i] : "(none)";
                if (e != a)
                {
                    output.WriteLine($"line {i + 1}\n  original: {e}\n  exported: {a}");
                    shown++;
                }
            }

            Assert.Equal(expected.Length, actual.Length);
            Assert.Equal(expected, actual);
        }
        finally
        {
            File.Delete(exported);
        }
    }

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
}
