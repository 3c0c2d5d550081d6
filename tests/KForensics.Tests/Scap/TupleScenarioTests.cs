using System.Net;
using KForensics.Core.Scap.Format;
using KForensics.Core.Scap.Writing;
using KForensics.Tests.Scap.Writer;
using Xunit;
using Xunit.Abstractions;

namespace KForensics.Tests.Scap;

/// <summary>
/// Every way sysdig's parser builds a socket's tuple, for IPv4 and IPv6: sendto/sendmsg/recvfrom/recvmsg on
/// unconnected and connected sockets, connect after sendto, bind, accept of IPv4-mapped IPv6 peers, on a
/// capture written by <see cref="ScapWriter"/> and read by KForensics and by sysdig 0.29.3, field by field.
/// </summary>
public sealed class TupleScenarioTests(ITestOutputHelper output) : WrittenScenario(300)
{
    private const uint AfInet = 2, AfInet6 = 10, Stream = 1, Dgram = 2;

    private static readonly string[] Fields =
    [
        "evt.type", "fd.num", "fd.name", "fd.type", "fd.typechar", "fd.l4proto", "fd.sockfamily", "fd.sip", "fd.cip", "fd.sport", "fd.cport",
        "fd.lip", "fd.rip", "fd.lport", "fd.rport", "fd.is_server", "fd.connected", "fd.name_changed",
    ];


    private static IPEndPoint Ep(string ip, int port) => new(IPAddress.Parse(ip), port);

    private static ScapSocketTuple Tuple(string sip, int sport, string dip, int dport) => new(Ep(sip, sport), Ep(dip, dport));

    private void Socket(ScapWriter w, long fd, uint family, uint type) => Pair(w, EventIds.SocketSocketE, [family, type, 0u], [fd]);

    private void SendTo(ScapWriter w, long fd, ScapSocketTuple? tuple)
        => Pair(w, EventIds.SocketSendtoE, [fd, 4u, tuple], [4L, new byte[] { 1, 2, 3, 4 }]);

    private void SendMsg(ScapWriter w, long fd, ScapSocketTuple? tuple)
        => Pair(w, EventIds.SocketSendmsgE, [fd, 4u, tuple], [4L, new byte[] { 1, 2, 3, 4 }]);

    private void RecvFrom(ScapWriter w, long fd, ScapSocketTuple? tuple)
        => Pair(w, EventIds.SocketRecvfromE, [fd, 4u], [4L, new byte[] { 5, 6, 7, 8 }, tuple]);

    private void RecvMsg(ScapWriter w, long fd, ScapSocketTuple? tuple)
        => Pair(w, EventIds.SocketRecvmsgE, [fd], [4L, 4u, new byte[] { 5, 6, 7, 8 }, tuple]);

    private void Connect(ScapWriter w, long fd, IPEndPoint to, ScapSocketTuple tuple, long res = 0)
        => Pair(w, EventIds.SocketConnectE, [fd, to], [res, tuple]);

    private void Bind(ScapWriter w, long fd, IPEndPoint at) => Pair(w, EventIds.SocketBindE, [fd], [0L, at]);

    private void Accept(ScapWriter w, long fd, ScapSocketTuple tuple) => Pair(w, EventIds.SocketAccept5E, [], [fd, tuple, (byte)0, 0u, 128u]);

    private void Read(ScapWriter w, long fd) => Pair(w, EventIds.SyscallReadE, [fd, 4u], [4L, new byte[] { 9, 9, 9, 9 }]);

    private string Write(bool ipv6Interfaces)
    {
        string path = PathOf(ipv6Interfaces ? "tuples-v6if.scap" : "tuples.scap");
        using ScapWriter w = ScapWriter.Create(path);
        w.MachineInfo = new ScapMachineInfo("node-t");
        w.AddInterface(new ScapInterface("lo", IPAddress.Parse("127.0.0.1"), IPAddress.Parse("255.0.0.0")));
        w.AddInterface(new ScapInterface("eth0", IPAddress.Parse("10.0.0.5"), IPAddress.Parse("255.255.255.0")));
        if (ipv6Interfaces)
        {
            w.AddInterface(new ScapInterface("lo", IPAddress.Parse("::1"), IPAddress.Parse("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")));
            w.AddInterface(new ScapInterface("eth0", IPAddress.Parse("2001:db8:0:1::5"), IPAddress.Parse("ffff:ffff:ffff:ffff::")));
        }

        w.AddThread(new ScapThread(Tid, Tid, 1, "app", "/usr/bin/app") { ExePath = "/usr/bin/app" });

        // IPv6 UDP: sendto before connect (the kernel has no source yet), then connect, then sendto again.
        Socket(w, 3, AfInet6, Dgram);
        SendTo(w, 3, Tuple("::", 0, "::1", 2345));
        Connect(w, 3, Ep("::1", 2345), Tuple("::1", 40000, "::1", 2345));
        SendTo(w, 3, Tuple("::1", 40000, "::1", 2345));
        Read(w, 3);

        // IPv4 UDP: sendto unconnected (loopback and a remote), recvfrom the answer, then connect.
        Socket(w, 4, AfInet, Dgram);
        SendTo(w, 4, Tuple("0.0.0.0", 0, "127.0.0.1", 53));
        RecvFrom(w, 4, Tuple("127.0.0.1", 53, "127.0.0.1", 41000));
        SendTo(w, 4, Tuple("0.0.0.0", 0, "10.0.0.9", 53));
        Connect(w, 4, Ep("10.0.0.9", 53), Tuple("10.0.0.5", 41000, "10.0.0.9", 53));
        Read(w, 4);

        // IPv4 UDP server: bind, recvfrom a client, answer with sendto, recvmsg/sendmsg from another one.
        Socket(w, 5, AfInet, Dgram);
        Bind(w, 5, Ep("0.0.0.0", 9000));
        RecvFrom(w, 5, Tuple("10.0.0.7", 5555, "10.0.0.5", 9000));
        SendTo(w, 5, Tuple("10.0.0.5", 9000, "10.0.0.7", 5555));
        RecvMsg(w, 5, Tuple("10.0.0.8", 6666, "10.0.0.5", 9000));
        SendMsg(w, 5, Tuple("10.0.0.5", 9000, "10.0.0.8", 6666));

        // IPv6 UDP, unconnected, to a remote on the interface's subnet and to one off it; sendmsg and recvmsg.
        Socket(w, 6, AfInet6, Dgram);
        SendMsg(w, 6, Tuple("::", 0, "2001:db8:0:1::9", 53));
        RecvMsg(w, 6, Tuple("2001:db8:0:1::9", 53, "2001:db8:0:1::5", 42000));
        SendMsg(w, 6, Tuple("::", 0, "2001:db8:7::1", 53));

        // IPv6 UDP server bound to ::1, then a datagram from a loopback peer.
        Socket(w, 7, AfInet6, Dgram);
        Bind(w, 7, Ep("::1", 7000));
        RecvFrom(w, 7, Tuple("::1", 6000, "::1", 7000));
        SendTo(w, 7, Tuple("::1", 7000, "::1", 6000));

        // IPv6 TCP listener accepting an IPv4 client (IPv4-mapped), and an IPv6 one; reads on both.
        Socket(w, 8, AfInet6, Stream);
        Bind(w, 8, Ep("::", 8080));
        Pair(w, EventIds.SocketListenE, [8L, 128u], [0L]);
        Accept(w, 9, Tuple("::ffff:10.0.0.9", 4444, "::ffff:10.0.0.5", 8080));
        Read(w, 9);
        RecvFrom(w, 9, null);
        Accept(w, 10, Tuple("2001:db8:0:1::9", 4445, "2001:db8:0:1::5", 8080));
        Read(w, 10);

        // TCP clients: IPv4, then IPv6 to an IPv4-mapped address; a sendto/recvfrom with a tuple on a
        // connected TCP socket must not rename it.
        Socket(w, 11, AfInet, Stream);
        Connect(w, 11, Ep("10.0.0.8", 80), Tuple("10.0.0.5", 40001, "10.0.0.8", 80));
        SendTo(w, 11, Tuple("10.0.0.5", 40001, "10.0.0.99", 81));
        RecvFrom(w, 11, Tuple("10.0.0.99", 81, "10.0.0.5", 40001));
        Socket(w, 12, AfInet6, Stream);
        Connect(w, 12, Ep("::ffff:10.0.0.8", 443), Tuple("::ffff:10.0.0.5", 40002, "::ffff:10.0.0.8", 443), res: -115);
        Read(w, 12);

        // A socket sysdig has never seen created: the first sendto names it.
        SendTo(w, 13, Tuple("0.0.0.0", 0, "10.0.0.9", 514));
        SendTo(w, 14, Tuple("::", 0, "::1", 514));
        return path;
    }

    [SkippableTheory]
    [InlineData(false)]
    [InlineData(true)]
    public void Every_tuple_path_names_the_socket_as_sysdig_does(bool ipv6Interfaces)
    {
        Skip.If(SysdigRunner.Executable is null, "sysdig is not installed");
        string path = Write(ipv6Interfaces);
        Dictionary<ulong, string[]> expected = WrittenCaptureComparison.AssertFieldsAgree(path, Fields, output);

        // The scenario really went through the paths it is about.
        string[] names = WrittenCaptureComparison.Column(expected, Fields, "fd.name");
        Assert.Contains("10.0.0.9:4444->10.0.0.5:8080", names);
        Assert.Contains(names, n => n.StartsWith("::1:", StringComparison.Ordinal) && n.EndsWith("->::1:2345", StringComparison.Ordinal));
    }
}
