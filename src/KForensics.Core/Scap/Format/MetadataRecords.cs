using System.Net;

namespace KForensics.Core.Scap.Format;

/// <summary>Receives the content of metadata blocks as the reader meets them.</summary>
public interface IScapMetadataSink
{
    void OnMachineInfo(MachineInfo info);

    void OnProcess(ProcessRecord process);

    void OnFd(long tid, FdRecord fd);

    void OnInterface(InterfaceRecord entry);

    void OnUser(UserRecord user);

    void OnGroup(GroupRecord group);
}

/// <summary>The MI block.</summary>
public sealed record MachineInfo(uint CpuCount, ulong MemoryBytes, ulong MaxPid, string HostName, ulong BootTime, ulong Flags);

/// <summary>One thread of a PL block (fields absent from older versions are 0 / empty).</summary>
public sealed class ProcessRecord
{
    public long Tid { get; init; }
    public long Pid { get; init; }
    public long Ptid { get; init; }
    public long Sid { get; init; }
    public long Vpgid { get; init; }
    public string Comm { get; init; } = "";
    public string Exe { get; init; } = "";
    public string ExePath { get; init; } = "";
    public IReadOnlyList<string> Args { get; init; } = [];
    public string Cwd { get; init; } = "";
    public ulong FdLimit { get; init; }
    public uint Flags { get; init; }
    public uint Uid { get; init; }
    public uint Gid { get; init; }
    public IReadOnlyList<string> Env { get; init; } = [];
    public long Vtid { get; init; }
    public long Vpid { get; init; }
    public IReadOnlyList<string> Cgroups { get; init; } = [];
    public string Root { get; init; } = "";
    public uint LoginUid { get; init; } = uint.MaxValue;
    public uint Tty { get; init; }

    /// <summary>PPM_EXE_* bits (writable, upper layer, from memfd, lower layer) as the list states them.</summary>
    public uint ExeFlags { get; init; }
    public ulong CapInheritable { get; init; }
    public ulong CapPermitted { get; init; }
    public ulong CapEffective { get; init; }
    public ulong ExeIno { get; init; }
    public ulong ExeInoCtime { get; init; }
    public ulong ExeInoMtime { get; init; }
    public uint VmSizeKb { get; init; }
    public uint VmRssKb { get; init; }
    public uint VmSwapKb { get; init; }
    public ulong PfMajor { get; init; }
    public ulong PfMinor { get; init; }
    public ulong PidnsInitStartTs { get; init; }
}

/// <summary>File descriptor types of FDL entries (<c>scap_fd_type</c>).</summary>
public enum ScapFdType : byte
{
    Unknown = 0, File = 1, Directory = 2, Ipv4Sock = 3, Ipv6Sock = 4, Ipv4ServSock = 5, Ipv6ServSock = 6,
    Fifo = 7, UnixSock = 8, Event = 9, Unsupported = 10, SignalFd = 11, EventPoll = 12, Inotify = 13,
    TimerFd = 14, Netlink = 15, FileV2 = 16, Bpf = 17, UserFaultFd = 18, IoUring = 19, MemFd = 20, PidFd = 21,
}

/// <summary>One entry of an FDL block. Addresses are set for sockets only; unix sockets carry their kernel pointers.</summary>
public readonly record struct FdRecord(
    long Fd, ulong Ino, ScapFdType Type, uint OpenFlags, string Name,
    IPAddress? SourceIp, ushort SourcePort, IPAddress? DestIp, ushort DestPort, byte L4Proto,
    ulong UnixSource, ulong UnixDest);

/// <summary>One entry of an IL block.</summary>
public sealed record InterfaceRecord(string Name, IPAddress Address, IPAddress Netmask, IPAddress Broadcast, ulong LinkSpeed);

/// <summary>A user of the UL block.</summary>
public sealed record UserRecord(uint Uid, uint Gid, string Name, string HomeDir, string Shell);

/// <summary>A group of the UL block.</summary>
public sealed record GroupRecord(uint Gid, string Name);
