using System.Net;
using System.Text;
using KForensics.Core.Scap.Format;
using KForensics.Core.Scap.Writing;

namespace KForensics.TestCaptures;

/// <summary>
/// A capture written with the module's writer whose process, argument, file and container strings are
/// markup, quotes and ampersands, as a hostile workload could make them. Events are exactly 1 ms apart.
/// </summary>
public static class HostileCapture
{
    public const string ProcessName = "<script>alert(1)</script>";
    public const string Argument = "--x=\"a&b\" '<svg onload=alert(2)>'";
    public const string FileName = "/tmp/\"quoted\"&<b>bold</b>'.txt";
    public const string ContainerName = "<img src=x onerror=alert(3)>";
    public const string Image = "evil\"&'<i>image</i>";
    public const long ContainerPid = 700;
    public const long HostPid = 42;
    public const ulong StepNs = 1_000_000;

    public static readonly DateTime Start = new(2024, 1, 2, 3, 4, 5, DateTimeKind.Utc);

    public static readonly ContainerDescription Container = new("a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90", ContainerName, Image);

    public static ulong StartNs => (ulong)(Start - DateTime.UnixEpoch).Ticks * 100;

    /// <summary>Writes the capture and returns the timestamps of its events, in order.</summary>
    public static IReadOnlyList<ulong> Write(string path)
    {
        var times = new List<ulong>();
        using ScapWriter writer = ScapWriter.Create(path);
        writer.MachineInfo = new ScapMachineInfo("node-1");
        writer.AddUser(new ScapUser(0, 0, "root", "/root", "/bin/sh"));
        writer.AddThread(new ScapThread(HostPid, HostPid, 1, "hostd", "/usr/bin/hostd") { ExePath = "/usr/bin/hostd", Vtid = HostPid, Vpid = HostPid });
        writer.AddThread(new ScapThread(ContainerPid, ContainerPid, 1, "sh", "/bin/sh")
        {
            ExePath = "/bin/sh",
            Cgroups = Container.Cgroups,
            Vtid = 1,
            Vpid = 1,
        });
        writer.WriteContainer(Container);

        ulong now = StartNs;
        void Emit(long tid, ushort type, params object?[] values)
        {
            writer.WriteEvent(now, tid, 0, type, values);
            times.Add(now);
            now += StepNs;
        }

        const long atFdCwd = -100;
        byte[] content = Encoding.ASCII.GetBytes("<b>&amp;</b>");
        var client = new IPEndPoint(IPAddress.Parse("10.0.0.7"), 40000);
        var server = new IPEndPoint(IPAddress.Parse("10.0.0.9"), 8080);

        Emit(ContainerPid, EventIds.SyscallExecve19E, "/bin/evil");
        Emit(ContainerPid, EventIds.SyscallExecve19X,
            0L, "/bin/evil", new[] { Argument }, ContainerPid, ContainerPid, 1L, "/", 1024UL, 0UL, 10UL,
            1000u, 500u, 0u, ProcessName, Container.Cgroups, Array.Empty<string>(), 0, ContainerPid, -1, 0u);
        Emit(ContainerPid, EventIds.SyscallOpenat_2E, atFdCwd, FileName, 1UL, 0u);
        Emit(ContainerPid, EventIds.SyscallOpenat_2X, 5L, atFdCwd, FileName, 1UL, 0u, 0x803u);
        Emit(ContainerPid, EventIds.SyscallReadE, 5L, 512u);
        Emit(ContainerPid, EventIds.SyscallReadX, (long)content.Length, content);
        Emit(ContainerPid, EventIds.SocketSocketE, 2, 1, 6);
        Emit(ContainerPid, EventIds.SocketSocketX, 3L);
        Emit(ContainerPid, EventIds.SocketConnectE, 3L, server);
        Emit(ContainerPid, EventIds.SocketConnectX, 0L, new ScapSocketTuple(client, server));
        Emit(ContainerPid, EventIds.SyscallWriteE, 3L, (uint)content.Length);
        Emit(ContainerPid, EventIds.SyscallWriteX, (long)content.Length, content);
        Emit(HostPid, EventIds.SyscallOpenat_2E, atFdCwd, "/etc/hostname", 1UL, 0u);
        Emit(HostPid, EventIds.SyscallOpenat_2X, 4L, atFdCwd, "/etc/hostname", 1UL, 0u, 0x803u);
        return times;
    }
}
