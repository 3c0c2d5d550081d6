using KForensics.Core.Scap;
using KForensics.Core.Scap.Fields;
using KForensics.Core.Scap.Format;
using KForensics.Tests.Scap;
using Xunit;
using Xunit.Abstractions;
using static KForensics.Tests.Scap.CaptureBytes;

namespace KForensics.Tests.Filtering;

/// <summary>
/// A written capture for what the filter changes in the parser (sysdig runs it before parsing events
/// that do not modify state, and an enter it rejects leaves its exit unpaired): I/O exits whose enter
/// passed or failed, write exits (which take their thread's last fd regardless), generic syscall
/// events, a close, and a read of a closed fd. Each filter must match the events sysdig 0.29.3
/// matches on the same file. (A write exit flagged as a tracer in its block is left out: sysdig
/// 0.29.3 crashes on it whenever a filter is set.)
/// </summary>
public sealed class FilterInParserScenarioTests(ITestOutputHelper output)
{
    private const ushort FsyncId = 72, FtruncateId = 58;

    private static byte[] Process(long tid, string comm)
    {
        byte[] e = Concat(I64(tid), I64(tid), I64(1), I64(tid), I64(tid), Str16(comm), Str16("/usr/bin/" + comm), Str16("/usr/bin/" + comm),
            Str16(""), Str16("/"), U64(1024), U32(0), U32(0), U32(0), new byte[28], Str16(""), I64(tid), I64(tid), Str16(""), Str16("/"));
        return Concat(U32((uint)e.Length + 4), e);
    }

    internal static byte[] Build()
    {
        var c = new CaptureBytes().Shb()
            .Block(BlockTypes.PlV9, Process(100, "app"))
            .Block(BlockTypes.FdlV2, Concat(I64(100), U32(4 + 8 + 8 + 1 + 4 + 2 + 14), I64(3), U64(9), [16], U32(1), Str16("/var/log/a.log")));
        ulong ts = 1_600_000_000_000_000_000;
        void E(ushort type, params byte[][] p) => c.Event(BlockTypes.EvV2, type, ts += 1000, 100, 0, 0, null, p);
        byte[] data = new byte[50];

        E(EventIds.SyscallReadE, I64(3), U32(100));
        E(EventIds.SyscallReadX, I64(50), data);
        E(EventIds.SyscallWriteE, I64(3), U32(7));
        E(EventIds.SyscallWriteX, I64(7), data[..7]);
        E(EventIds.SyscallWritevE, I64(3), U32(30));
        E(EventIds.SyscallWritevX, I64(30), data[..30]);
        E(EventIds.SyscallReadE, I64(3), U32(100));
        E(EventIds.SyscallReadX, I64(0), []);
        E(EventIds.SyscallWriteE, I64(3), U32(9));
        E(EventIds.SyscallWriteX, I64(9), data[..9]);
        E(EventIds.GenericE, U16(FsyncId), U16(74));
        E(EventIds.GenericX, U16(FsyncId));
        E(EventIds.GenericE, U16(FtruncateId), U16(77));
        E(EventIds.GenericX, U16(FtruncateId));
        E(EventIds.SyscallCloseE, I64(3));
        E(EventIds.SyscallCloseX, I64(0));
        E(EventIds.SyscallReadE, I64(3), U32(100));
        E(EventIds.SyscallReadX, I64(-9), []);
        return c.ToArray();
    }

    public static TheoryData<string> Filters =>
    [
        "evt.buflen exists",
        "evt.dir='>' or evt.buflen exists",
        "evt.buflen>10",
        "evt.buflen=0",
        "not evt.buflen exists",
        "evt.category=file",
        "evt.category=unknown",
        "evt.dir='>' or evt.category=file",
        "evt.type=read and evt.category=file",
        "evt.type in (write, writev) and evt.buflen exists",
    ];

    [SkippableTheory]
    [MemberData(nameof(Filters))]
    public void Matches_what_sysdig_matches(string filter)
    {
        Skip.If(SysdigOracle.Executable is null, "sysdig is not installed");
        string path = Path.Combine(Path.GetTempPath(), $"kf-filter-{Guid.NewGuid():N}.scap");
        File.WriteAllBytes(path, Build());
        try
        {
            var expected = Oracle(path, filter);
            var actual = Matches(path, filter);
            output.WriteLine($"sysdig [{string.Join(",", expected.Order())}] ours [{string.Join(",", actual.Order())}]");
            Assert.True(expected.SetEquals(actual));
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>The scenario shows the rule itself: the first read exit has a buflen only when the filter accepts its enter.</summary>
    [SkippableFact]
    public void An_exit_carries_its_fd_only_when_the_filter_accepted_its_enter()
    {
        Skip.If(SysdigOracle.Executable is null, "sysdig is not installed");
        string path = Path.Combine(Path.GetTempPath(), $"kf-filter-{Guid.NewGuid():N}.scap");
        File.WriteAllBytes(path, Build());
        try
        {
            ulong readExit;
            using (var reader = ScapEventReader.Open(path))
            {
                ScapEvent? ev;
                do
                {
                    Assert.True(reader.TryRead(out ev));
                }
                while (!(ev.Type == "read" && ev.Direction == "<"));
                readExit = ev.Number;
            }

            Assert.DoesNotContain(readExit, Oracle(path, "evt.buflen exists"));
            Assert.Contains(readExit, Oracle(path, "evt.dir='>' or evt.buflen exists"));
            Assert.DoesNotContain(readExit, Matches(path, "evt.buflen exists"));
            Assert.Contains(readExit, Matches(path, "evt.dir='>' or evt.buflen exists"));
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static HashSet<ulong> Matches(string path, string filter)
    {
        var numbers = new HashSet<ulong>();
        using var reader = ScapEventReader.Open(path, filter: ScapFieldBinder.Compile(filter));
        while (reader.TryRead(out ScapEvent? ev))
        {
            numbers.Add(ev.Number);
        }

        return numbers;
    }

    private static HashSet<ulong> Oracle(string path, string filter)
        => SysdigOracle.Run("-r", path, "-p", "%evt.num", filter)
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => ulong.Parse(l.Trim(), System.Globalization.CultureInfo.InvariantCulture))
            .ToHashSet();
}
