using KForensics.Core.Filtering;
using KForensics.Core.Scap.Fields;
using KForensics.Core.Scap.Format;
using KForensics.Core.Scap.Writing;
using KForensics.Tests.Scap.Writer;
using Xunit;
using Xunit.Abstractions;

namespace KForensics.Tests.Scap;

/// <summary>
/// evt.around[T]=D on a capture written by <see cref="ScapWriter"/> whose events lie a known number of
/// milliseconds apart: the events sysdig 0.29.3 accepts for windows on an event, between events, exactly on the
/// window's edges, of zero width, reaching below time zero and combined with other checks.
/// </summary>
public sealed class EventAroundTests(ITestOutputHelper output) : IDisposable
{
    private const ulong T0 = 1_710_408_413_000_000_000;
    private const ulong Ms = 1_000_000;
    private readonly TempCapture _temp = new();

    public void Dispose() => _temp.Dispose();

    private static readonly string[] Filters =
    [
        $"evt.around[{T0}]=0", $"evt.around[{T0}]=1", $"evt.around[{T0 + (5 * Ms)}]=5", $"evt.around[{T0 + (5 * Ms)}]=4",
        $"evt.around[{T0 + (10 * Ms) + 1}]=10", $"evt.around[{T0 + (20 * Ms)}]=1000", $"evt.around[{T0 + (7 * Ms)}]=2",
        "evt.around[5]=1000", $"evt.around[{T0}]=2000000000000", $"evt.around[{T0 + (10 * Ms)}]=10 and evt.dir=<",
        $"not evt.around[{T0 + (10 * Ms)}]=3", $"evt.around[{T0 + (30 * Ms)}]=5 or evt.num=16",
    ];

    private string WriteCapture()
    {
        string path = _temp.PathOf("around.scap");
        using ScapWriter w = ScapWriter.Create(path);
        w.AddThread(new ScapThread(500, 500, 1, "clock", "/usr/bin/clock") { ExePath = "/usr/bin/clock" });
        for (int i = 0; i < 16; i++)
        {
            ulong ts = T0 + ((ulong)i * 5 * Ms);
            w.WriteEvent(ts, 500, 0, i % 2 == 0 ? EventIds.SyscallCloseE : EventIds.SyscallCloseX, i % 2 == 0 ? [(long)(3 + i)] : [0L]);
        }

        return path;
    }

    [SkippableFact]
    public void The_windows_accept_the_events_sysdig_accepts()
    {
        Skip.If(SysdigRunner.Executable is null, "sysdig is not installed");
        string path = WriteCapture();
        Dictionary<string, HashSet<ulong>> selected = WrittenCaptureComparison.AssertFiltersAgree(path, Filters, output);
        Assert.True(selected.Values.Select(e => e.Count).Distinct().Count() >= 4, "the windows should select different numbers of events");
    }

    [Theory]
    [InlineData("evt.around[1710408413000000000]>5")]
    [InlineData("evt.around[1710408413000000000] exists")]
    [InlineData("evt.around[1710408413000000000] in (1, 2)")]
    [InlineData("evt.around.1710408413000000000=5")]
    [InlineData("evt.around[soon]=5")]
    [InlineData("evt.around[1710408413000000000]=later")]
    public void Other_forms_are_refused(string filter)
    {
        var e = Assert.Throws<FilterSyntaxException>(() => ScapFieldBinder.Compile(filter));
        Assert.Contains("evt.around", e.Message, StringComparison.Ordinal);
    }
}
