using System.Text;
using KForensics.Core.Scap.Format;
using KForensics.Core.Scap.Writing;
using KForensics.Tests.Scap.Writer;
using Xunit;
using Xunit.Abstractions;

namespace KForensics.Tests.Scap;

/// <summary>
/// The syslog fields on a capture written by <see cref="ScapWriter"/> and read by KForensics and by sysdig 0.29.3:
/// a process writes syslog lines to /dev/log through a socket listed in the capture, one it connects, a datagram
/// socket that names /dev/log in sendto (and then another path), a dup of a /dev/log socket and a file opened as
/// /dev/log, with every facility class, priorities that do not parse, overflow or reach past local7, and writes
/// to other fds, reads and failed writes that must not decode.
/// </summary>
public sealed class SyslogScenarioTests(ITestOutputHelper output) : WrittenScenario(410)
{
    private const uint AfUnix = 1, Stream = 1, Datagram = 2;

    private static readonly string[] Fields =
    [
        "evt.type", "fd.num", "evt.is_syslog", "syslog.facility", "syslog.facility.str", "syslog.severity",
        "syslog.severity.str", "syslog.message",
    ];

    private static readonly string[] Filters =
    [
        "syslog.facility=4", "syslog.facility>=16", "syslog.facility.str=local7", "syslog.facility.str=<NA>",
        "syslog.severity=2", "syslog.severity<3", "syslog.severity.str=debug", "syslog.severity.str in (emerg, crit)",
        "syslog.message contains failed", "syslog.message startswith local", "syslog.message=before", "syslog.message exists",
        "syslog.facility exists", "not syslog.severity exists", "evt.is_syslog=true", "evt.is_syslog=true and not syslog.message exists",
        "evt.type=sendto and syslog.message exists", "evt.type=sendmsg and syslog.facility=16",
    ];


    private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    private void Write(ScapWriter w, long fd, string text, long result = 0)
    {
        byte[] data = Bytes(text);
        Pair(w, EventIds.SyscallWriteE, [fd, (uint)data.Length], [result == 0 ? data.Length : result, data]);
    }

    private void Socket(ScapWriter w, long fd, uint type) => Pair(w, EventIds.SocketSocketE, [AfUnix, type, 0u], [fd]);

    private void SendTo(ScapWriter w, long fd, string path, string text)
    {
        byte[] data = Bytes(text);
        Pair(w, EventIds.SocketSendtoE, [fd, (uint)data.Length, new ScapUnixTuple(0xffff0031, 0, path)], [(long)data.Length, data]);
    }

    private string WriteCapture()
    {
        string path = PathOf("syslog.scap");
        using ScapWriter w = ScapWriter.Create(path);
        w.MachineInfo = new ScapMachineInfo("node-s");
        w.AddThread(new ScapThread(Tid, Tid, 1, "logger", "/usr/bin/logger") { ExePath = "/usr/bin/logger" });

        // A socket to /dev/log the process already had when the capture began.
        w.AddFd(Tid, new ScapFd(3, ScapFdType.UnixSock) { Name = "/dev/log", UnixSource = 0xffff0010, UnixDestination = 0xffff0011 });
        Write(w, 3, "<13>listed socket message");

        // A stream socket that connects to /dev/log: facilities and severities across the table.
        Socket(w, 4, Stream);
        Pair(w, EventIds.SocketConnectE, [4L, new ScapUnixAddress("/dev/log")], [0L, new ScapUnixTuple(0xffff0020, 0xffff0021, "/dev/log")]);
        Write(w, 4, "<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8");
        Write(w, 4, "<191>local7 debug line");
        Write(w, 4, "<0>kernel emergency");
        Write(w, 4, "<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut=\"3\"] An application event");
        Write(w, 4, "<192>past the last facility");
        Write(w, 4, "<1>");
        Write(w, 4, "<1");
        Write(w, 4, "<>no priority");
        Write(w, 4, "<1a>letters in the priority");
        Write(w, 4, "x99>any first byte");
        Write(w, 4, "<123456789012345678>long priority");
        Write(w, 4, "<14>before\0after");
        Write(w, 4, "<22>ends with a newline\n");
        Write(w, 4, "<23>\ttab and bell\a in the text");
        Write(w, 4, "<11>a failed write", result: -32);
        byte[] vec = Bytes("<15>writev message");
        Pair(w, EventIds.SyscallWritevE, [4L, (uint)vec.Length], [(long)vec.Length, vec]);
        Pair(w, EventIds.SyscallReadE, [4L, 64u], [20L, Bytes("<13>read, not written")]);

        // A datagram socket: naming /dev/log in sendto makes the decoder follow it, another path lets it go.
        // sendto and sendmsg modify state, so sysdig parses them before it filters them: filters on the
        // syslog fields see these messages (a write is filtered before its data is decoded).
        Socket(w, 5, Datagram);
        SendTo(w, 5, "/dev/log", "<86>sent to /dev/log");
        SendTo(w, 5, "/dev/log", "<34>su: authentication failed");
        SendTo(w, 5, "/dev/log", "<191>local7 over sendto");
        SendTo(w, 5, "/dev/log", "<192>past local7 over sendto");
        SendTo(w, 5, "/dev/log", "<0>emergency over sendto");
        SendTo(w, 5, "/dev/log", "<x>not decoded over sendto");
        byte[] msg = Bytes("<130>before\0after");
        Pair(w, EventIds.SocketSendmsgE, [5L, (uint)msg.Length, new ScapUnixTuple(0xffff0031, 0, "/dev/log")], [(long)msg.Length, msg]);
        SendTo(w, 5, "/run/other.sock", "<86>sent elsewhere, still followed");

        // Each naming of /dev/log registers the decoder once more, each other name drops one registration.
        Socket(w, 9, Datagram);
        SendTo(w, 9, "/dev/log", "<86>registered once");
        SendTo(w, 9, "/run/other.sock", "<86>sent elsewhere, let go");
        SendTo(w, 9, "/run/other.sock", "<86>sent elsewhere again");
        SendTo(w, 9, "/dev/log", "<86>registered again");

        // A dup of the connected socket, a file opened as /dev/log and a file that is not.
        Pair(w, EventIds.SyscallDupE, [4L], [6L]);
        Write(w, 6, "<38>through the dup");
        Pair(w, EventIds.SyscallOpenE, ["/dev/log", 1u, 0u], [7L, "/dev/log", 1u, 0u, 0u]);
        Write(w, 7, "<30>file opened as /dev/log");
        Pair(w, EventIds.SyscallOpenE, ["/tmp/app.log", 1u, 0u], [8L, "/tmp/app.log", 1u, 0u, 0u]);
        Write(w, 8, "<13>not a syslog fd");
        Pair(w, EventIds.SyscallCloseE, [4L], [0L]);
        return path;
    }

    [SkippableFact]
    public void The_syslog_fields_print_as_sysdig_prints_them()
    {
        Skip.If(SysdigRunner.Executable is null, "sysdig is not installed");
        string path = WriteCapture();
        Dictionary<ulong, string[]> expected = WrittenCaptureComparison.AssertFieldsAgree(path, Fields, output);

        // The scenario reached the rules it is about.
        string[] Column(string field) => WrittenCaptureComparison.Column(expected, Fields, field);
        Assert.Contains("auth", Column("syslog.facility.str"));
        Assert.Contains("local7", Column("syslog.facility.str"));
        Assert.Contains("before", Column("syslog.message"));
        Assert.Contains("sent to /dev/log", Column("syslog.message"));
        Assert.Contains("through the dup", Column("syslog.message"));
        Assert.Contains("sent elsewhere, still followed", Column("syslog.message"));
        Assert.DoesNotContain("sent elsewhere, let go", Column("syslog.message"));
        Assert.DoesNotContain("not a syslog fd", Column("syslog.message"));
        Assert.DoesNotContain("a failed write", Column("syslog.message"));
    }

    [SkippableFact]
    public void The_syslog_filters_match_the_events_sysdig_matches()
    {
        Skip.If(SysdigRunner.Executable is null, "sysdig is not installed");
        string path = WriteCapture();
        Dictionary<string, HashSet<ulong>> selected = WrittenCaptureComparison.AssertFiltersAgree(path, Filters, output);
        Assert.True(selected.Values.Sum(e => e.Count) > Filters.Length, "the filters matched almost nothing in sysdig");
    }
}
