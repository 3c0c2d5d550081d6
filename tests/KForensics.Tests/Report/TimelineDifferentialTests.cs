using System.Globalization;
using KForensics.Core.Analysis;
using KForensics.Core.Report;
using KForensics.Core.Scap.Writing;
using KForensics.TestCaptures;
using KForensics.Tests.Filtering;
using KForensics.Tests.Scap.Writer;
using Xunit;
using Xunit.Abstractions;

namespace KForensics.Tests.Report;

/// <summary>
/// The report's timeline against sysdig 0.29.3 on every capture in ../shared/captures and on the
/// captures the writer makes: events per container (sysdig's container.id, &lt;NA&gt; for events without a
/// thread), the marked commands, file opens and connections, first and last time, and the bucket each
/// event is drawn in (from sysdig's evt.rawtime).
/// </summary>
public sealed class TimelineDifferentialTests : IDisposable
{
    private readonly ITestOutputHelper _output;
    private readonly TempCapture _temp = new();

    public TimelineDifferentialTests(ITestOutputHelper output)
    {
        _output = output;
    }

    public void Dispose() => _temp.Dispose();

    public static TheoryData<string> Cases() => SharedCaptures.Names();

    [SkippableTheory]
    [MemberData(nameof(Cases))]
    public void RealCapturesMatchSysdig(string name)
    {
        Skip.If(SharedCaptures.Directory is null, "../shared/captures is absent");
        Skip.IfNot(SysdigRunner.Available, "sysdig is not installed");
        string capture = Path.Combine(SharedCaptures.Directory!, name);
        Compare(capture, SharedCaptures.OracleFileFor(capture));
    }

    [SkippableFact]
    public void WrittenCapturesMatchSysdig()
    {
        Skip.IfNot(SysdigRunner.Available, "sysdig is not installed");
        string demo = _temp.PathOf("demo.scap");
        new PathTraversalScenario().Write(demo);
        Compare(demo, demo);

        string hostile = _temp.PathOf("hostile.scap");
        IReadOnlyList<ulong> times = HostileCapture.Write(hostile);
        ActivityTimeline timeline = Compare(hostile, hostile);
        Assert.Equal(times[0], timeline.First);
        Assert.Equal(times[^1], timeline.Last);
        Assert.Equal(HostileCapture.ContainerName, timeline.Containers(hostile).Single(c => c.ContainerId != "host").ContainerName);
        Assert.Equal((1, 1, 1), (timeline.Summary(hostile).Commands, timeline.Summary(hostile).Connections, timeline.Summary(hostile).Containers));
    }

    private ActivityTimeline Compare(string capture, string oracle)
    {
        var timeline = new ActivityTimeline();
        timeline.Read(capture, CancellationToken.None);

        // Every event sysdig prints, with its container and time.
        List<(string Id, ulong Time)> events = Sysdig(oracle, "*%container.id %evt.rawtime", null)
            .Select(l => l.Split(' '))
            .Select(p => (p[0] == "<NA>" ? string.Empty : p[0], ulong.Parse(p[1], CultureInfo.InvariantCulture)))
            .ToList();
        _output.WriteLine($"{Path.GetFileName(capture)}: {events.Count} events, {timeline.Lanes.Count} lanes");
        Assert.Equal(events.Count, timeline.Events);
        List<(string Id, ulong Time)> timed = events.Where(e => e.Time != 0).ToList();
        if (timed.Count == 0)
        {
            Assert.Equal(0, timeline.Histogram.Used);
            return timeline;
        }

        Assert.Equal(timed.Min(e => e.Time), timeline.First);
        Assert.Equal(timed.Max(e => e.Time), timeline.Last);
        IReadOnlyList<ContainerActivity> rows = timeline.Containers(capture);
        Assert.Equal(Counts(timed.Select(e => e.Id)), rows.ToDictionary(r => r.ContainerId, r => r.Events));
        Assert.Equal(Counts(Sysdig(oracle, "*%container.id", ActivityTimeline.CommandFilter)), NonZero(rows, r => r.Commands));
        Assert.Equal(Counts(Sysdig(oracle, "*%container.id", FileAccessAggregator.OpenFilter)), NonZero(rows, r => r.FileOpens));
        Assert.Equal(Counts(Sysdig(oracle, "*%container.id", ActivityTimeline.ConnectionFilter)), NonZero(rows, r => r.Connections));

        // The bars: each lane's events per drawn bucket, placed by sysdig's own timestamps.
        ActivityHistogram h = timeline.Histogram;
        (ulong width, int count) = h.Group(TimelineSvg.MaxBuckets);
        foreach (TimelineLane lane in timeline.Lanes)
        {
            long[] expected = new long[count];
            foreach ((string id, ulong time) in timed.Where(e => e.Id == lane.Id))
            {
                expected[(time - h.Origin) / width]++;
            }

            Assert.Equal(expected, h.Grouped(lane.Events, TimelineSvg.MaxBuckets));
        }

        return timeline;
    }

    private static string[] Sysdig(string capture, string format, string? filter)
    {
        SysdigRunner.Result result = filter is null
            ? SysdigRunner.Execute("-r", capture, "-p", format)
            : SysdigRunner.Execute("-r", capture, "-p", format, filter);
        Assert.Equal(0, result.ExitCode);
        return result.Lines.Select(l => l == "<NA>" ? string.Empty : l).ToArray();
    }

    private static Dictionary<string, long> Counts(IEnumerable<string> ids)
        => ids.GroupBy(i => i).ToDictionary(g => g.Key, g => g.LongCount());

    private static Dictionary<string, long> NonZero(IEnumerable<ContainerActivity> rows, Func<ContainerActivity, long> value)
        => rows.Where(r => value(r) > 0).ToDictionary(r => r.ContainerId, value);
}
