using KForensics.Core.Scap.Decoding;
using KForensics.Core.Scap.Format;
using Xunit;
using Xunit.Abstractions;
using static KForensics.Tests.Scap.TestEvents;

namespace KForensics.Tests.Scap;

/// <summary>
/// Every parameter type and print format, including values the real captures lack, written into a
/// capture that sysdig 0.29.3 prints: the formatter must print each event as sysdig does, given a
/// context holding the state that capture gives sysdig (thread, cwd, fds, users, groups).
/// </summary>
public sealed class FormatterOracleTests(ITestOutputHelper output)
{
    // A tid no process of the machine running the test is likely to have: sysdig, failing to find a
    // dirfd in its table, asks /proc of the live system.
    private const long Tid = 4_000_123;
    private const long OtherTid = 4_000_200;

    [SkippableFact]
    public void EveryTypeAndFormatPrintsAsSysdig()
    {
        Skip.If(SysdigOracle.Executable is null, "sysdig is not installed");
        List<(ushort Type, byte[][] Values)> events = Events();

        var capture = new OracleCapture();
        capture.Thread(Tid, "tester", "/home/user");
        capture.Thread(OtherTid, "other", "/");
        capture.Fds(Tid,
            (3, 16, e => { e.U32(1); e.Str("/etc/passwd"); e.U32(0x803); }),
            (4, 2, e => e.Str("/var/log")),
            (5, 3, e => { e.Bytes([10, 0, 0, 1]); e.Bytes([10, 0, 0, 2]); e.U16(1234); e.U16(80); e.U8(2); }),
            (7, 7, e => e.Str("pipe:[123]")));
        capture.Users((0, "root", false), (1000, "alice", false), (50, "staff", true));
        ulong ts = 1_600_000_000_000_000_000;
        foreach ((ushort type, byte[][] values) in events)
        {
            capture.Event(Tid, type, values, ts++);
        }

        string file = Path.Combine(Path.GetTempPath(), $"kf-formatter-{Environment.ProcessId}-{Guid.NewGuid():N}.scap");
        File.WriteAllBytes(file, capture.ToArray());
        string text;
        try
        {
            text = SysdigOracle.Run("-r", file, "-p", "*%evt.num\u001f%evt.info\u001e#\u001e");
        }
        finally
        {
            File.Delete(file);
        }

        var printed = text.Split("\u001e#\u001e\n", StringSplitOptions.RemoveEmptyEntries)
            .Select(r => r.Split('\u001f', 2))
            .ToDictionary(f => int.Parse(f[0], System.Globalization.CultureInfo.InvariantCulture), f => f[1]);
        Assert.Equal(events.Count, printed.Count);

        var context = new TestContext { Cwd = "/home/user" };
        context.Fds[3] = ("f", "/etc/passwd");
        context.Fds[4] = ("d", "/var/log");
        context.Fds[5] = ("4t", "10.0.0.1:1234->10.0.0.2:80");
        context.Fds[7] = ("p", "pipe:[123]");
        context.Threads[Tid] = "tester";
        context.Threads[OtherTid] = "other";
        context.Users[0] = "root";
        context.Users[1000] = "alice";
        context.Groups[50] = "staff";

        int differences = 0;
        for (int i = 0; i < events.Count; i++)
        {
            (ushort type, byte[][] values) = events[i];
            string mine = EventFormatter.FormatInfo(Build(type, values), EventTable.Get(type), context);
            string sysdig = printed[i + 1];
            if (mine != sysdig)
            {
                differences++;
                output.WriteLine($"#{i + 1} {EventTable.Get(type)}\n  sysdig: {sysdig}\n  module: {mine}");
            }
        }

        Assert.Equal(0, differences);
    }

    private static List<(ushort, byte[][])> Events()
    {
        byte[] v6a = [0x26, 0x00, 0x1f, 0x18, 0, 0, 0, 0, 0, 0, 0, 0, 0xd2, 0x9e, 0, 0];
        byte[] v6b = [0x26, 0x07, 0xf8, 0xb0, 0x40, 0x04, 0x08, 0x02, 0, 0, 0, 0, 0, 0, 0x20, 0x04];
        byte[] loopback6 = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
        byte[] mappedA = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 168, 0, 1];
        byte[] mappedB = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 168, 0, 2];
        byte[] compat = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4];
        byte[] binary = Enumerable.Range(0, 100).Select(i => (byte)(i * 7)).ToArray();
        return
        [
            (EventIds.SyscallOpenX, [I64(-2), Str("sub/../file.txt"), U32(0x41), U32(0x1a4), U32(0x803)]),
            (EventIds.SyscallOpenX, [I64(-2), Str("../../../../x"), U32(0xffffffff), U32(0xffffffff), U32(0)]),
            (EventIds.SyscallOpenX, [I64(-2), Str("/abs/./p//q/"), U32(0), U32(0), U32(0), I64(99)]),
            (EventIds.SyscallOpenX, [I64(-2), Str("a")]),
            // A zero-length value is read from where it would start: here the next parameter's bytes
            // (the fd comes out negative, so sysdig adds no fd for it).
            (EventIds.SyscallOpenX, [[], Str("/abc"), U32(0x800002), U32(0), U32(0)]),
            (EventIds.SyscallOpenat_2X, [I64(-13), I64(4), Str("./a//b/../c"), U32(0x4106), U32(0x180), U32(0)]),
            (EventIds.SyscallOpenat_2X, [I64(-13), I64(-100), Str("x.y/..z/."), U32(1), U32(0), U32(0)]),
            (EventIds.SyscallOpenat_2X, [I64(-13), I64(99), Str("rel"), U32(1), U32(0), U32(0)]),
            (EventIds.SyscallOpenat_2X, [I64(-13), I64(3), Str("<NA>"), U32(1), U32(0), U32(0)]),
            (EventIds.SyscallStatX, [I64(-2), []]),
            (EventIds.SyscallStatX, [I64(0), Concat(Raw("we\u0001ird"), [0xc3, 0xa9, 0])]),
            (EventIds.SyscallStatX, [I64(0), Str("")]),
            (EventIds.SyscallReadX, [I64(100), binary]),
            (EventIds.SyscallReadX, [I64(80), Raw(new string('y', 80))]),
            (EventIds.SyscallReadX, [I64(81), Raw(new string('z', 81))]),
            (EventIds.SyscallReadE, [I64(3), U32(0xffffffff)]),
            (EventIds.SyscallReadE, [I64(5), U32(7)]),
            (EventIds.SyscallReadE, [I64(7), U32(7)]),
            (EventIds.SyscallReadE, [I64(42), U32(7)]),
            (EventIds.SocketConnectX, [I64(-115), Concat(U8(10), v6a, U16(37140), v6b, U16(80))]),
            (EventIds.SocketConnectX, [I64(0), Concat(U8(10), mappedA, U16(1), mappedB, U16(2))]),
            (EventIds.SocketConnectX, [I64(0), Concat(U8(10), compat, U16(1), loopback6, U16(2))]),
            (EventIds.SocketConnectX, [I64(0), Concat(U8(1), BitConverter.GetBytes(0xffff91bbfc5e6000UL), BitConverter.GetBytes(0UL), Str("/run/x.sock"))]),
            (EventIds.SocketConnectX, [I64(0), Concat(U8(2), [127, 0, 0, 1], U16(5), [8, 8, 8, 8], U16(53))]),
            (EventIds.SocketConnectX, [I64(0), []]),
            (EventIds.SocketConnectX, [I64(0), Concat(U8(2), [1, 2, 3])]),
            (EventIds.SocketConnectX, [I64(0), Concat(U8(200), [1, 2, 3])]),
            (EventIds.SocketConnectE, [I64(9), Concat(U8(10), loopback6, U16(53))]),
            (EventIds.SocketConnectE, [I64(9), Concat(U8(10), compat, U16(53))]),
            (EventIds.SocketConnectE, [I64(9), Concat(U8(1), Str("/tmp/s\u0002ock"))]),
            (EventIds.SocketConnectE, [I64(9), U8(7)]),
            (EventIds.SyscallKillE, [I64(OtherTid), U8(9)]),
            (EventIds.SyscallKillE, [I64(555), U8(40)]),
            (EventIds.SyscallNanosleepE, [I64(0)]),
            (EventIds.SyscallNanosleepE, [I64(1500)]),
            (EventIds.SyscallNanosleepE, [I64(123456789012)]),
            (EventIds.SyscallNanosleepE, [I64(1_000_000_000_000_000)]),
            (EventIds.SyscallNanosleepE, [I64(-1)]),
            (EventIds.SyscallPollE, [Concat(U16(3), I64(3), U16(1), I64(5), U16(0x41), I64(77), U16(0x8004)), I64(-1)]),
            (EventIds.SyscallPpollE, [Concat(U16(0)), I64(2_500_000_000), U32(0x4003)]),
            (EventIds.SyscallSetuidE, [U32(0)]),
            (EventIds.SyscallSetuidE, [U32(1000)]),
            (EventIds.SyscallSetuidE, [U32(4242)]),
            (EventIds.SyscallSetuidE, [U32(0xffffffff)]),
            (EventIds.SyscallSetuidE, [U32(0x80000000)]),
            (EventIds.SyscallSetgidE, [U32(50)]),
            (EventIds.SyscallSetgidE, [U32(77)]),
            (EventIds.SyscallChmodX, [I64(0), Str("rel/f"), U32(0x9ed)]),
            (EventIds.SyscallChmodX, [I64(0), Str("/f"), U32(0)]),
            (EventIds.SocketSetsockoptX, [I64(0), I64(5), U8(1), U8(7), Concat(U8(0), Raw("ab\u0001")), U32(3)]),
            (EventIds.SocketSetsockoptX, [I64(-2), I64(5), U8(6), U8(99), Concat(U8(1), I64(-2)), U32(8)]),
            (EventIds.SocketSetsockoptX, [I64(0), I64(5), U8(1), U8(20), Concat(U8(2), U32(0xfffffffe)), U32(4)]),
            (EventIds.SocketSetsockoptX, [I64(0), I64(5), U8(1), U8(20), Concat(U8(3), I64(-5)), U32(8)]),
            (EventIds.SocketSetsockoptX, [I64(0), I64(5), U8(1), U8(20), Concat(U8(4), I64(2_000_000)), U32(8)]),
            (EventIds.SocketSetsockoptX, [I64(0), I64(5), U8(1), U8(20), Concat(U8(9), I64(1)), U32(8)]),
            (EventIds.SyscallPtraceX, [I64(0), Concat(U8(0), I64(0x7fff1234)), Concat(U8(1), U8(11))]),
            (EventIds.SyscallMmapX, [I64(0x7EFC7B52E000), U32(38820), U32(2160), U32(0)]),
            (EventIds.SyscallMmapE, [I64(0), I64(4096), U32(3), U32(0x22), I64(-1), I64(0)]),
            (EventIds.SocketAccept4E, [U32(0xffffffff)]),
            (EventIds.SocketAccept4E, [U32(0x80800)]),
            (EventIds.SyscallSemopX, [I64(0), U32(2), U16(1), U16(0xffff), U16(0x1800), U16(2), U16(5), U16(0)]),
            (EventIds.SyscallSemopE, [U32(0xfffffff0)]),
            (EventIds.SyscallFutexE, [I64(0x7f00), U16(0x81), I64(1)]),
            (EventIds.SyscallFutexE, [I64(0x7f00), U16(0), I64(1)]),
            (EventIds.SocketSocketE, [U32(10), U32(0x80001), U32(0)]),
            (EventIds.SocketSocketE, [U32(77), U32(1), U32(6)]),
            (EventIds.SocketShutdownE, [I64(5), U8(2)]),
            (EventIds.SyscallLseekE, [I64(3), I64(-1), U8(0)]),
            (EventIds.SyscallLseekE, [I64(3), I64(10), U8(9)]),
            (EventIds.SyscallFcntlE, [I64(4), U8(0)]),
            (EventIds.SignaldeliverE, [I64(0), I64(OtherTid), U8(17)]),
            (EventIds.SyscallCloseX, [I64(-512)]),
            (EventIds.SyscallCloseX, [I64(-4095)]),
            (EventIds.SyscallCloseX, [I64(unchecked((long)0xFFFFFFFF_00000002))]),
            (EventIds.SyscallCloseE, [I64(-1)]),
            (EventIds.SyscallCloseE, [I64(-100)]),
            (EventIds.SyscallChdirX, [I64(-2), Str("dir\nwith é")]),
            (EventIds.SocketAccept5X, [I64(-11), [], U8(200), U32(0x80000000), U32(128)]),
            (EventIds.SyscallExecve19X,
            [
                I64(-2), Str("/bin/ls"), Concat(Raw("-l"), [0]), I64(Tid), I64(Tid), I64(OtherTid), Str("/home/user"), I64(-1),
                I64(long.MinValue), I64(0), U32(1), U32(2), U32(3), Str("ls"), [], Concat(Raw("A=1"), [0], Raw("B=\t2"), [0]),
                U32(34816), I64(Tid), U32(0xffffffff), U32(0x5),
            ]),
            (EventIds.SyscallClone20X,
            [
                I64(-1), [], Concat(Raw("arg1"), [0], Raw("arg2"), [0]), I64(Tid), I64(Tid), I64(OtherTid), Str("/c"), I64(1024),
                I64(0), I64(0), U32(0), U32(0), U32(0), Str("tester"), Concat(Raw("cpu=/"), [0]), U32(0x11), U32(0), U32(0), I64(Tid), I64(Tid),
            ]),
        ];
    }
}
