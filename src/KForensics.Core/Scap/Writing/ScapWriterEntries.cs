using System.Net;
using KForensics.Core.Scap.Format;

namespace KForensics.Core.Scap.Writing;

/// <summary>The machine info block (MI): what the capturing host looked like.</summary>
public sealed record ScapMachineInfo(string Hostname, uint CpuCount = 2, ulong MemoryBytes = 4UL << 30, ulong BootTimeNs = 0);

/// <summary>One network interface of the capturing host (IL_V2 entry).</summary>
public sealed record ScapInterface(string Name, IPAddress Address, IPAddress Netmask, IPAddress? Broadcast = null);

/// <summary>One user of the user list (UL_V2 entry, type user).</summary>
public sealed record ScapUser(uint Uid, uint Gid, string Name, string HomeDirectory, string Shell);

/// <summary>One group of the user list (UL_V2 entry, type group).</summary>
public sealed record ScapGroup(uint Gid, string Name);

/// <summary>
/// One thread of the process list (PL_V9 entry). <see cref="Args"/> excludes argv[0];
/// <see cref="Cgroups"/> are <c>subsys=path</c> strings, which is where readers find the container id.
/// </summary>
public sealed record ScapThread(long Tid, long Pid, long ParentTid, string Comm, string Exe)
{
    public string ExePath { get; init; } = string.Empty;
    public IReadOnlyList<string> Args { get; init; } = Array.Empty<string>();
    public string Cwd { get; init; } = "/";
    public IReadOnlyList<string> Env { get; init; } = Array.Empty<string>();
    public IReadOnlyList<string> Cgroups { get; init; } = Array.Empty<string>();
    public string Root { get; init; } = "/";
    public long Sid { get; init; }
    public long Vpgid { get; init; }
    public ulong FdLimit { get; init; } = 1024;
    public uint Flags { get; init; }
    public uint Uid { get; init; }
    public uint Gid { get; init; }
    public uint VmSizeKb { get; init; }
    public uint VmRssKb { get; init; }
    public long Vtid { get; init; } = -1;
    public long Vpid { get; init; } = -1;
}

/// <summary>Transport protocol of a socket fd (<c>scap_l4_proto</c>).</summary>
public enum ScapL4Proto : byte
{
    Unknown = 0, NotApplicable = 1, Tcp = 2, Udp = 3, Icmp = 4, Raw = 5,
}

/// <summary>
/// One open fd of a thread (FDL_V2 entry). Files use <see cref="Name"/> (and <see cref="OpenFlags"/>
/// for <see cref="ScapFdType.FileV2"/>); connected sockets use <see cref="Source"/> and
/// <see cref="Destination"/>; server sockets use <see cref="Source"/> only.
/// </summary>
public sealed record ScapFd(long Fd, ScapFdType Type)
{
    public ulong Inode { get; init; }
    public string Name { get; init; } = string.Empty;
    public uint OpenFlags { get; init; }
    public IPEndPoint? Source { get; init; }
    public IPEndPoint? Destination { get; init; }
    public ScapL4Proto Protocol { get; init; } = ScapL4Proto.Tcp;
    public ulong UnixSource { get; init; }
    public ulong UnixDestination { get; init; }

    public static ScapFd File(long fd, string path, uint openFlags = 1) => new(fd, ScapFdType.FileV2) { Name = path, OpenFlags = openFlags };

    public static ScapFd Listening(long fd, IPEndPoint local) => new(fd, ScapFdType.Ipv4ServSock) { Source = local };

    public static ScapFd Connected(long fd, IPEndPoint client, IPEndPoint server) => new(fd, ScapFdType.Ipv4Sock) { Source = client, Destination = server };
}
