using System.Net;
using KForensics.Core.Scap.Format;

namespace KForensics.Core.Scap.State;

/// <summary>Which end of a socket the owning thread is (sinsp's fd role).</summary>
internal enum SocketRole : byte
{
    None = 0,
    Client = 1,
    Server = 2,
}

/// <summary>
/// One open file descriptor as sysdig tracks it. Entries in a table are never changed: the
/// parser clones, edits and replaces them, so an event that captured an entry keeps the state
/// of its own moment.
/// </summary>
internal sealed class FdInfo
{
    private SockInfo _sock;
    private string? _typeTag;

    public FdInfo(ScapFdType type, string name)
    {
        Type = type;
        Name = name;
    }

    public ScapFdType Type { get; internal set; }

    /// <summary>fd.name: the absolute path, the socket tuple, the unix path…</summary>
    public string Name { get; internal set; }

    public uint OpenFlags { get; internal set; }

    /// <summary>fd.dev: the device of a file fd, from the open exits that carry it (0 otherwise).</summary>
    public uint Dev { get; internal set; }

    /// <summary>fd.nameraw: the path as the open call gave it (not made absolute); null for fds not opened by path.</summary>
    public string? NameRaw { get; internal set; }

    public SocketRole Role { get; internal set; }

    public ulong Ino { get; internal set; }

    /// <summary>The entry came from the capture's fd list rather than from an event.</summary>
    public bool FromProc { get; internal set; }

    internal bool SocketConnected { get; set; }

    /// <summary>
    /// How often the syslog decoder registered for the fd's writes (sinsp's write callbacks): once for each
    /// open, connect, capture listing or tuple change that gave it a name holding /dev/log, less one for each
    /// tuple change that did not. The decoder hears the writes while it is above zero.
    /// </summary>
    internal int SyslogListeners { get; set; }

    // Close bookkeeping (sinsp's FLAGS_CLOSE_IN_PROGRESS / FLAGS_CLOSE_CANCELED). These flags do
    // change in place: they never show in an event's text, only decide what a close removes.
    internal bool CloseInProgress { get; set; }

    internal bool CloseCanceled { get; set; }

    internal ref SockInfo Sock => ref _sock;

    public bool IsIpSocket => Type is ScapFdType.Ipv4Sock or ScapFdType.Ipv6Sock or ScapFdType.Ipv4ServSock or ScapFdType.Ipv6ServSock;

    /// <summary>fd.l4proto as sinsp's get_l4proto (n/a for sockets whose role is unknown).</summary>
    public byte L4Proto => Type switch
    {
        ScapFdType.Ipv4Sock => _sock.V4L4 == 5 ? (byte)5 : Role == SocketRole.None ? (byte)1 : _sock.V4L4,
        ScapFdType.Ipv4ServSock => _sock.V4ServL4,
        ScapFdType.Ipv6Sock => _sock.V6L4 == 5 ? (byte)5 : Role == SocketRole.None ? (byte)1 : _sock.V6L4,
        ScapFdType.Ipv6ServSock => _sock.V6ServL4,
        _ => 1,
    };

    /// <summary>Client (tuple source) address of a connected IP socket.</summary>
    public IPAddress? SourceIp => Type switch
    {
        ScapFdType.Ipv4Sock => SockInfo.V4Address(_sock.V4Sip),
        ScapFdType.Ipv6Sock => new IPAddress(_sock.V6Sip),
        _ => null,
    };

    public int SourcePort => Type switch
    {
        ScapFdType.Ipv4Sock => _sock.V4Sport,
        ScapFdType.Ipv6Sock => _sock.V6Sport,
        _ => 0,
    };

    /// <summary>Server (tuple destination) address; for server sockets the bound address.</summary>
    public IPAddress? DestIp => Type switch
    {
        ScapFdType.Ipv4Sock => SockInfo.V4Address(_sock.V4Dip),
        ScapFdType.Ipv4ServSock => SockInfo.V4Address(_sock.V4Sip),
        ScapFdType.Ipv6Sock => new IPAddress(_sock.V6Dip),
        ScapFdType.Ipv6ServSock => new IPAddress(_sock.V6Sip),
        _ => null,
    };

    public int DestPort => Type switch
    {
        ScapFdType.Ipv4Sock => _sock.V4Dport,
        ScapFdType.Ipv4ServSock => _sock.V4ServPort,
        ScapFdType.Ipv6Sock => _sock.V6Dport,
        ScapFdType.Ipv6ServSock => _sock.V6ServPort,
        _ => 0,
    };

    /// <summary>fd.typechar: one letter per fd type.</summary>
    public char TypeChar => Type switch
    {
        ScapFdType.File or ScapFdType.FileV2 => 'f',
        ScapFdType.Ipv4Sock or ScapFdType.Ipv4ServSock => '4',
        ScapFdType.Ipv6Sock or ScapFdType.Ipv6ServSock => '6',
        ScapFdType.Directory => 'd',
        ScapFdType.Fifo => 'p',
        ScapFdType.UnixSock => 'u',
        ScapFdType.Event => 'e',
        ScapFdType.Unknown => 'o',
        ScapFdType.Unsupported => 'X',
        ScapFdType.SignalFd => 's',
        ScapFdType.EventPoll => 'l',
        ScapFdType.Inotify => 'i',
        ScapFdType.TimerFd => 't',
        ScapFdType.Netlink => 'n',
        _ => '?',
    };

    /// <summary>What sysdig prints between &lt; and &gt; in an fd argument: the type letter and, for IP sockets, the protocol letter.</summary>
    public string TypeTag => _typeTag ??= BuildTypeTag();

    private string BuildTypeTag()
    {
        char proto = IsIpSocket ? L4Proto switch { 2 => 't', 3 => 'u', 4 => 'i', 5 => 'r', _ => '\0' } : '\0';
        return proto == '\0' ? TypeChar.ToString() : string.Concat(TypeChar.ToString(), proto.ToString());
    }

    /// <summary>A copy to edit before it replaces this entry.</summary>
    internal FdInfo Clone()
    {
        var copy = (FdInfo)MemberwiseClone();
        copy._typeTag = null;
        return copy;
    }

    public override string ToString() => "<" + TypeTag + ">" + Name;
}
