using System.Net;
using KForensics.Core.Scap.Format;
using KForensics.Core.Scap.Writing;
using KForensics.Tests.Scap.Writer;
using Xunit;
using Xunit.Abstractions;

namespace KForensics.Tests.Scap;

/// <summary>
/// The fd and socket fields whose sinsp rules are easy to miss, on a capture written by <see cref="ScapWriter"/>
/// and read by KForensics and by sysdig 0.29.3: a connected unix socket's client port, the protocol of fds that
/// are not sockets, poll fd lists with unknown fds and listening sockets, the arguments of generic syscall
/// events, and the either-end comparisons of fd.port and fd.snet.
/// </summary>
public sealed class FdFieldScenarioTests(ITestOutputHelper output) : WrittenScenario(300)
{
    private const uint AfUnix = 1, AfInet = 2, AfInet6 = 10, Stream = 1;
    private const ushort FsyncId = 72;

    private static readonly string[] Fields =
    [
        "evt.type", "fd.num", "fd.type", "fd.cport", "fd.l4proto", "fdlist.nums", "fdlist.names", "fdlist.cips",
        "fdlist.sips", "fdlist.cports", "fdlist.sports", "evt.arg[0]", "evt.arg[1]", "evt.arg.ID", "evt.args",
    ];

    private static readonly string[] Filters =
    [
        "fd.port!=8080", "fd.port!=4444", "fd.port=8080", "fd.port>5000", "fd.l4proto exists", "fd.l4proto=tcp",
        "fd.cport=0", "fd.cport exists", "fd.snet=10.0.0.0/24", "fd.snet exists", "evt.arg[0]=fsync", "evt.arg.ID=fsync",
        "fdlist.names contains <NA>", "fdlist.sports exists",
    ];


    private static IPEndPoint Ep(string ip, int port) => new(IPAddress.Parse(ip), port);

    private void Socket(ScapWriter w, long fd, uint family) => Pair(w, EventIds.SocketSocketE, [family, Stream, 0u], [fd]);

    private void Read(ScapWriter w, long fd) => Pair(w, EventIds.SyscallReadE, [fd, 4u], [4L, new byte[] { 9, 9, 9, 9 }]);

    private void Listen(ScapWriter w, long fd, IPEndPoint at)
    {
        Pair(w, EventIds.SocketBindE, [fd], [0L, at]);
        Pair(w, EventIds.SocketListenE, [fd, 128u], [0L]);
    }

    private string Write()
    {
        string path = PathOf("fd-fields.scap");
        using ScapWriter w = ScapWriter.Create(path);
        w.MachineInfo = new ScapMachineInfo("node-f");
        w.AddInterface(new ScapInterface("lo", IPAddress.Parse("127.0.0.1"), IPAddress.Parse("255.0.0.0")));
        w.AddInterface(new ScapInterface("eth0", IPAddress.Parse("10.0.0.5"), IPAddress.Parse("255.255.255.0")));
        w.AddThread(new ScapThread(Tid, Tid, 1, "app", "/usr/bin/app") { ExePath = "/usr/bin/app" });

        // A unix socket that connects: a role without IP ends.
        Socket(w, 3, AfUnix);
        Pair(w, EventIds.SocketConnectE, [3L, new ScapUnixAddress("/run/app.sock")], [0L, new ScapUnixTuple(0xffff0001, 0xffff0002, "/run/app.sock")]);
        Read(w, 3);

        // An IPv4 listener and the connection it accepts; an IPv6 listener; a socket that never connects.
        Socket(w, 4, AfInet);
        Listen(w, 4, Ep("0.0.0.0", 8080));
        Pair(w, EventIds.SocketAccept5E, [], [5L, new ScapSocketTuple(Ep("10.0.0.9", 4444), Ep("10.0.0.5", 8080)), (byte)0, 0u, 128u]);
        Read(w, 5);
        Socket(w, 6, AfInet6);
        Listen(w, 6, Ep("::1", 7000));
        Socket(w, 7, AfInet);
        Read(w, 7);

        // A poll over all of them and an fd the capture never showed.
        ScapPollFd[] fds = [new(3, 1), new(4, 1), new(5, 1), new(6, 1), new(7, 1), new(42, 1)];
        Pair(w, EventIds.SyscallPollE, [fds, 1000L], [1L, fds]);

        // A generic syscall: its id is the first argument, resolved to the syscall's name.
        Pair(w, EventIds.GenericE, [FsyncId, (ushort)74], [FsyncId]);
        return path;
    }

    [SkippableFact]
    public void The_fields_print_as_sysdig_prints_them()
    {
        Skip.If(SysdigRunner.Executable is null, "sysdig is not installed");
        string path = Write();
        Dictionary<ulong, string[]> expected = WrittenCaptureComparison.AssertFieldsAgree(path, Fields, output);

        // The scenario reached the rules it is about.
        string[] Column(string field) => WrittenCaptureComparison.Column(expected, Fields, field);
        Assert.Contains("0", Column("fd.cport"));
        Assert.Contains("<NA>", Column("fd.l4proto"));
        Assert.Contains(Column("fdlist.names"), n => n.EndsWith(",<NA>", StringComparison.Ordinal));
        Assert.Contains("fsync", Column("evt.arg[0]"));
    }

    [SkippableFact]
    public void The_filters_match_the_events_sysdig_matches()
    {
        Skip.If(SysdigRunner.Executable is null, "sysdig is not installed");
        string path = Write();
        Dictionary<string, HashSet<ulong>> selected = WrittenCaptureComparison.AssertFiltersAgree(path, Filters, output);
        Assert.Contains(selected.Values, e => e.Count > 0);
    }
}
