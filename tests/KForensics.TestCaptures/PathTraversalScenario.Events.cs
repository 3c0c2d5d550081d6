using System.Net;
using System.Text;
using KForensics.Core.Scap.Format;
using KForensics.Core.Scap.Writing;

namespace KForensics.TestCaptures;

public sealed partial class PathTraversalScenario
{
    private const long AtFdCwd = -100;
    private const int Snaplen = 80;
    private const int AfInet = 2;
    private const int SockStream = 1;
    private const int IpProtoTcp = 6;
    private const ushort NginxCpu = 1;
    private const ushort ClientCpu = 0;

    private void WriteEvents(Clock clock)
    {
        var client = new IPEndPoint(ClientIp, ClientPort);
        var server = new IPEndPoint(NginxIp, 80);
        var tuple = new ScapSocketTuple(client, server);
        byte[] request = Encoding.ASCII.GetBytes(Request);
        string header = "HTTP/1.1 200 OK\r\nServer: nginx/1.25.3\r\nDate: Thu, 14 Mar 2024 09:26:53 GMT\r\n" +
            $"Content-Type: application/octet-stream\r\nContent-Length: {PasswdContent.Length}\r\nConnection: keep-alive\r\n\r\n";
        string response = header + PasswdContent;
        string accessLog = $"{ClientIp} - - [14/Mar/2024:09:26:53 +0000] \"GET /files../etc/passwd HTTP/1.1\" 200 {PasswdContent.Length} \"-\" \"curl/8.5.0\"\n";

        HostBackground(clock);

        // The shell in the client container forks and runs curl.
        clock.Emit(ClientShellPid, ClientCpu, EventIds.SyscallClone20E);
        clock.Emit(ClientShellPid, ClientCpu, EventIds.SyscallClone20X, CloneExit(CurlPid, ClientShellPid, 22020, 1));
        clock.Emit(CurlPid, ClientCpu, EventIds.SyscallClone20X, CloneExit(0, CurlPid, ClientShellPid, 7));
        clock.Emit(CurlPid, ClientCpu, EventIds.SyscallExecve19E, "/usr/bin/curl");
        clock.Emit(CurlPid, ClientCpu, EventIds.SyscallExecve19X,
            0L, "curl", new[] { Url }, CurlPid, CurlPid, ClientShellPid, "/home/curl_user", 1048576UL, 0UL, 118UL,
            8200u, 5124u, 0u, "curl", Client.Cgroups, Client.Env, 34816, CurlPid, -1, 0u);

        // curl connects to nginx; the nginx worker wakes up and accepts.
        clock.Emit(CurlPid, ClientCpu, EventIds.SocketSocketE, AfInet, SockStream, IpProtoTcp);
        clock.Emit(CurlPid, ClientCpu, EventIds.SocketSocketX, 3L);
        clock.Emit(CurlPid, ClientCpu, EventIds.SocketConnectE, 3L, server);
        clock.Emit(CurlPid, ClientCpu, EventIds.SocketConnectX, 0L, tuple);
        clock.Emit(NginxWorkerPid, NginxCpu, EventIds.SyscallEpollwaitX, 1L);
        clock.Emit(NginxWorkerPid, NginxCpu, EventIds.SocketAccept45E, 2048);
        clock.Emit(NginxWorkerPid, NginxCpu, EventIds.SocketAccept45X, 3L, tuple, (byte)0, 0u, 511u);

        // The request travels.
        clock.Emit(CurlPid, ClientCpu, EventIds.SyscallWriteE, 3L, (uint)request.Length);
        clock.Emit(CurlPid, ClientCpu, EventIds.SyscallWriteX, (long)request.Length, Snap(request));
        clock.Emit(NginxWorkerPid, NginxCpu, EventIds.SyscallEpollwaitE, 512L);
        clock.Emit(NginxWorkerPid, NginxCpu, EventIds.SyscallEpollwaitX, 1L);
        clock.Emit(NginxWorkerPid, NginxCpu, EventIds.SyscallReadE, 3L, 1024u);
        clock.Emit(NginxWorkerPid, NginxCpu, EventIds.SyscallReadX, (long)request.Length, Snap(request));

        // alias /home/ + "../etc/passwd": nginx opens the password file and sends it back.
        ulong openFlags = OpenatFlag("O_RDONLY") | OpenatFlag("O_NONBLOCK");
        clock.Emit(NginxWorkerPid, NginxCpu, EventIds.SyscallOpenat_2E, AtFdCwd, OpenedPath, openFlags, 0u);
        clock.Emit(NginxWorkerPid, NginxCpu, EventIds.SyscallOpenat_2X, 10L, AtFdCwd, OpenedPath, openFlags, 0u, 0x803u);
        clock.Emit(NginxWorkerPid, NginxCpu, EventIds.SyscallFstatE, 10L);
        clock.Emit(NginxWorkerPid, NginxCpu, EventIds.SyscallFstatX, 0L);
        clock.Emit(NginxWorkerPid, NginxCpu, EventIds.SyscallReadE, 10L, 32768u);
        clock.Emit(NginxWorkerPid, NginxCpu, EventIds.SyscallReadX, (long)PasswdContent.Length, Snap(Encoding.ASCII.GetBytes(PasswdContent)));
        clock.Emit(NginxWorkerPid, NginxCpu, EventIds.SyscallWritevE, 3L, (uint)response.Length);
        clock.Emit(NginxWorkerPid, NginxCpu, EventIds.SyscallWritevX, (long)response.Length, Snap(Encoding.ASCII.GetBytes(response)));
        clock.Emit(NginxWorkerPid, NginxCpu, EventIds.SyscallWriteE, 4L, (uint)accessLog.Length);
        clock.Emit(NginxWorkerPid, NginxCpu, EventIds.SyscallWriteX, (long)accessLog.Length, Snap(Encoding.ASCII.GetBytes(accessLog)));
        clock.Emit(NginxWorkerPid, NginxCpu, EventIds.SyscallCloseE, 10L);
        clock.Emit(NginxWorkerPid, NginxCpu, EventIds.SyscallCloseX, 0L);

        // curl prints the file and leaves; nginx sees the connection close.
        clock.Emit(CurlPid, ClientCpu, EventIds.SyscallReadE, 3L, 102400u);
        clock.Emit(CurlPid, ClientCpu, EventIds.SyscallReadX, (long)response.Length, Snap(Encoding.ASCII.GetBytes(response)));
        clock.Emit(CurlPid, ClientCpu, EventIds.SyscallWriteE, 1L, (uint)PasswdContent.Length);
        clock.Emit(CurlPid, ClientCpu, EventIds.SyscallWriteX, (long)PasswdContent.Length, Snap(Encoding.ASCII.GetBytes(PasswdContent)));
        clock.Emit(CurlPid, ClientCpu, EventIds.SyscallCloseE, 3L);
        clock.Emit(CurlPid, ClientCpu, EventIds.SyscallCloseX, 0L);
        clock.Emit(CurlPid, ClientCpu, EventIds.Procexit1E, 0L, 0L, (byte)0, (byte)0);
        clock.Emit(NginxWorkerPid, NginxCpu, EventIds.SyscallReadE, 3L, 1024u);
        clock.Emit(NginxWorkerPid, NginxCpu, EventIds.SyscallReadX, 0L, Array.Empty<byte>());
        clock.Emit(NginxWorkerPid, NginxCpu, EventIds.SyscallCloseE, 3L);
        clock.Emit(NginxWorkerPid, NginxCpu, EventIds.SyscallCloseX, 0L);

        HostBackground(clock);
    }

    // kubelet polling cgroup files and sshd traffic: the noise an investigation has to look through.
    private static void HostBackground(Clock clock)
    {
        const string pidsMax = "/sys/fs/cgroup/kubepods.slice/pids.max";
        ulong rdonly = OpenatFlag("O_RDONLY");
        clock.Emit(655, 0, EventIds.SyscallOpenat_2E, AtFdCwd, pidsMax, rdonly, 0u);
        clock.Emit(655, 0, EventIds.SyscallOpenat_2X, 17L, AtFdCwd, pidsMax, rdonly, 0u, 0x1au);
        clock.Emit(655, 0, EventIds.SyscallReadE, 17L, 512u);
        clock.Emit(655, 0, EventIds.SyscallReadX, 4L, "max\n");
        clock.Emit(655, 0, EventIds.SyscallCloseE, 17L);
        clock.Emit(655, 0, EventIds.SyscallCloseX, 0L);
        byte[] ciphertext = { 0x00, 0x00, 0x00, 0x1c, 0x8e, 0x2a, 0x41, 0x9f, 0x03, 0xd7, 0x5b, 0x66, 0xc1, 0x0a, 0x7e, 0x33 };
        clock.Emit(1021, 1, EventIds.SyscallReadE, 3L, 16384u);
        clock.Emit(1021, 1, EventIds.SyscallReadX, (long)ciphertext.Length, ciphertext);
        clock.Emit(1021, 1, EventIds.SyscallWriteE, 3L, (uint)ciphertext.Length);
        clock.Emit(1021, 1, EventIds.SyscallWriteX, (long)ciphertext.Length, ciphertext);
    }

    private object?[] CloneExit(long res, long tid, long ptid, long vtid) => new object?[]
    {
        res, "/bin/sh", new[] { "-c", "sleep 3600 & wait; sh" }, tid, tid, ptid, "/home/curl_user", 1048576L, 0UL, 96UL,
        1636u, 960u, 0u, "sh", Client.Cgroups, 0u, 100u, 101u, vtid, vtid,
    };

    private static byte[] Snap(byte[] data) => data.Length <= Snaplen ? data : data.AsSpan(0, Snaplen).ToArray();

    private static ulong OpenatFlag(string name)
    {
        ParamInfo flags = EventTable.Get(EventIds.SyscallOpenat_2E).Params.First(p => p.Name == "flags");
        return flags.FlagNames.First(f => f.Name == name).Value;
    }

    /// <summary>Hands out increasing timestamps so events are a few microseconds apart, as on a busy node.</summary>
    private sealed class Clock
    {
        private readonly ScapWriter _writer;
        private ulong _now;

        public Clock(ScapWriter writer, DateTime start)
        {
            _writer = writer;
            _now = (ulong)(start - DateTime.UnixEpoch).Ticks * 100;
        }

        public void Emit(long tid, ushort cpu, ushort type, params object?[] values)
        {
            _now += 7_313;
            _writer.WriteEvent(_now, tid, cpu, type, values);
        }
    }
}
