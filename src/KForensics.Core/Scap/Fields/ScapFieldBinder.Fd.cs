using System.Globalization;
using System.Net;
using KForensics.Core.Filtering;
using KForensics.Core.Scap.Format;
using KForensics.Core.Scap.State;
using Ctx = KForensics.Core.Scap.Fields.ScapFilterContext;

namespace KForensics.Core.Scap.Fields;

public sealed partial class ScapFieldBinder
{
    private static FieldAccessor<Ctx>? BindFd(FieldReference f)
    {
        switch (f.Field.Name)
        {
            case "fd.num": return Num(f, c => FdNumber(c));
            case "fd.type": return Str(f, c => c.Fd is { } fd ? TypeName(fd.Type) : null);
            case "fd.typechar": return Str(f, c => c.Fd is { } fd ? fd.TypeChar.ToString() : TypeCharOfCreator(c));
            case "fd.name": return Str(f, c => FdName(c));
            case "fd.dev": return Num(f, c => c.Fd is { } fd ? fd.Dev : null);
            // The device as the driver encodes it for user space (the kernel's new_encode_dev layout).
            case "fd.dev.major": return Num(f, c => c.Fd is { } fd ? (fd.Dev & 0xfff00) >> 8 : null);
            case "fd.dev.minor": return Num(f, c => c.Fd is { } fd ? (fd.Dev & 0xff) | ((fd.Dev >> 12) & 0xfff00) : null);
            case "fd.nameraw": return Str(f, c => c.Fd is { } fd ? CollapseSlashes(fd.NameRaw ?? string.Empty) : null);
            case "fd.directory": return Str(f, c => DirectoryOf(c));
            case "fd.filename": return Str(f, c => c.Fd is { Type: ScapFdType.File or ScapFdType.FileV2 } fd ? FileName(fd.Name) : null);
            case "fd.ip": return Addresses(f, c => c.Fd is { } fd ? Both(fd.SourceIp, fd.DestIp) : null);
            case "fd.cip": return Addresses(f, c => One(Connected(c)?.SourceIp));
            case "fd.sip": return Addresses(f, c => Server(c) is { } fd ? One(fd.DestIp) : null);
            case "fd.lip": return Addresses(f, c => One(LocalRemote(c, local: true).Ip));
            case "fd.rip": return Addresses(f, c => One(LocalRemote(c, local: false).Ip));
            case "fd.port": return FieldAccessor<Ctx>.ForEitherEnd(f, c => c.Fd is { IsIpSocket: true } fd ? Ports(fd) : null);
            case "fd.cport": return Num(f, c => ClientPort(c));
            case "fd.sport": return Num(f, c => c.Fd is { Type: ScapFdType.Ipv4ServSock or ScapFdType.Ipv6ServSock } s ? s.DestPort : Server(c) is { } fd ? fd.DestPort : null);
            case "fd.lport": return Num(f, c => LocalRemote(c, local: true).Port);
            case "fd.rport": return Num(f, c => LocalRemote(c, local: false).Port);
            case "fd.l4proto": return Str(f, c => c.Fd is { } fd ? fd.L4Proto switch { 2 => "tcp", 3 => "udp", 4 => "icmp", 5 => "raw", _ => "<NA>" } : null);
            case "fd.sockfamily":
                return Str(f, c => c.Fd?.Type switch
                {
                    ScapFdType.Ipv4Sock or ScapFdType.Ipv6Sock or ScapFdType.Ipv4ServSock or ScapFdType.Ipv6ServSock => "ip",
                    ScapFdType.UnixSock => "unix",
                    _ => null,
                });
            case "fd.is_server": return Flag(f, c => IsServer(c));
            case "fd.connected": return Flag(f, c => c.Fd is { } fd ? fd.SocketConnected : null);
            case "fd.name_changed": return Flag(f, c => c.Fd is null ? null : c.State.FdNameChanged);
            case "fd.uid": return Str(f, c => c.Thread is { } t && FdNumber(c) is long n ? t.Tid.ToString(CultureInfo.InvariantCulture) + n.ToString(CultureInfo.InvariantCulture) : null);
            case "fd.containername": return Str(f, c => FdName(c) is { } name ? SinspContainerId(c) + ":" + name : null);
            case "fd.containerdirectory": return Str(f, c => DirectoryOf(c) is { } dir ? SinspContainerId(c) + ":" + dir : null);
            case "fd.net": return Addresses(f, c => c.Fd is { } fd ? Both(fd.SourceIp, fd.DestIp) : null);
            case "fd.cnet": return Addresses(f, c => One(Connected(c)?.SourceIp));
            case "fd.snet": return Addresses(f, c => Server(c) is { } fd ? One(fd.DestIp) : null);
            case "fd.lnet": return Addresses(f, c => One(LocalRemote(c, local: true).Ip));
            case "fd.rnet": return Addresses(f, c => One(LocalRemote(c, local: false).Ip));
            case "fd.cip.name" or "fd.sip.name" or "fd.lip.name" or "fd.rip.name":
                // Names come from sysdig's live DNS cache, which a capture does not carry: never a value.
                return Str(f, _ => null);
            default: return null;
        }
    }

    private static FieldAccessor<Ctx> Addresses(FieldReference f, Func<Ctx, IReadOnlyList<IPAddress>?> get) => FieldAccessor<Ctx>.ForAddresses(f, get);

    private static IReadOnlyList<IPAddress>? One(IPAddress? a) => a is null ? null : [a];

    private static IReadOnlyList<IPAddress>? Both(IPAddress? a, IPAddress? b)
        => a is null ? One(b) : b is null ? [a] : [a, b];

    private static IReadOnlyList<long> Ports(FdInfo fd)
        => fd.SourceIp is null ? [fd.DestPort] : [fd.SourcePort, fd.DestPort];

    /// <summary>fd.name; a failed fd-creating exit that the parser could not name still has one, empty.</summary>
    private static string? FdName(Ctx c) => c.State.FdName
        ?? (HasFd(c) && !c.Info.IsEnter && (Flags(c) & EventFlags.CreatesFd) != 0 && Result(c) is < 0 ? string.Empty : null);

    /// <summary>
    /// A failed exit of the old openat (its name only in the enter event): filters see its fd.name, but sysdig
    /// 0.29.3's output formatter cannot get the enter event back and prints &lt;NA&gt; for it and its directory
    /// (the filter, which can, sees both).
    /// </summary>
    internal static bool IsUnnamedInPrint(Ctx c) => c.Raw.Type == Ppme.OpenAtX && c.Fd is null && c.State.FdName is null;

    /// <summary>
    /// sinsp's extract_from_null_fd for fd.typechar: an fd event whose fd is not in the table gets the letter
    /// of the kind of fd its syscall creates (enter and exit alike), and 'o' for every other syscall.
    /// </summary>
    private static string? TypeCharOfCreator(Ctx c)
    {
        if (!HasFd(c))
        {
            return null;
        }

        return TypeName(c) switch
        {
            "open" or "openat" or "openat2" or "creat" => "f",
            "socket" or "accept" or "accept4" => "4",
            "pipe" => "p",
            "eventfd" => "e",
            "signalfd" => "s",
            "timerfd_create" => "t",
            "inotify_init" => "i",
            _ => "o",
        };
    }

    /// <summary>
    /// fd.directory: a directory fd's own name, a file's directory; without an fd in the table, the directory
    /// of the name an exit tried (sysdig's extract_from_null_fd: "/" when that name is empty).
    /// </summary>
    private static string? DirectoryOf(Ctx c)
    {
        if (c.Fd is { } fd)
        {
            return fd.Type switch
            {
                ScapFdType.Directory => fd.Name,
                ScapFdType.File or ScapFdType.FileV2 => Directory(fd.Name),
                _ => null,
            };
        }

        return HasFd(c) && !c.Info.IsEnter && FdName(c) is { } name ? Directory(name) : null;
    }

    private static bool HasFd(Ctx c) => c.Thread is not null && (Flags(c) & (EventFlags.CreatesFd | EventFlags.UsesFd | EventFlags.DestroysFd)) != 0;

    private static long? FdNumber(Ctx c)
    {
        if (!HasFd(c) || c.Thread is not { } t)
        {
            return null;
        }

        EventFlags flags = Flags(c);
        if (!c.Info.IsEnter && TypeName(c) is "pipe" or "pipe2" or "socketpair")
        {
            // The parser adds both ends; the last one added is the event's fd.
            int second = Find(c.Info, "fd2");
            RawEvent raw = c.Raw;
            return second >= 0 && second < raw.ParamCount ? ReadSigned(raw.GetParam(second)) : t.LastEventFd;
        }

        return !c.Info.IsEnter && (flags & EventFlags.CreatesFd) != 0 && Result(c) is long r && r >= 0 ? r : t.LastEventFd;
    }

    /// <summary>
    /// fd.cport as sinsp extracts it: an IP socket's client port once its role is known; any other fd with a
    /// role (a connected unix socket) falls through to the protocol text, an empty string that reads as port 0.
    /// </summary>
    private static long? ClientPort(Ctx c) => c.Fd switch
    {
        null or { Role: SocketRole.None } => null,
        { Type: ScapFdType.Ipv4Sock or ScapFdType.Ipv6Sock } fd => fd.SourcePort,
        _ => 0,
    };

    /// <summary>A connected IP socket whose role is known: client and server ends mean something.</summary>
    private static FdInfo? Connected(Ctx c) => c.Fd is { Type: ScapFdType.Ipv4Sock or ScapFdType.Ipv6Sock, Role: not SocketRole.None } fd ? fd : null;

    /// <summary>An IP socket with a known role and a server end: a connected one or a listening one.</summary>
    private static FdInfo? Server(Ctx c)
        => c.Fd is { IsIpSocket: true, Role: not SocketRole.None } fd ? fd : null;

    /// <summary>fd.lip/lport/rip/rport: the client end is local when its address belongs to this machine.</summary>
    private static (IPAddress? Ip, long? Port) LocalRemote(Ctx c, bool local)
    {
        if (Connected(c) is not { SourceIp: { } client } fd)
        {
            return (null, null);
        }

        bool clientIsLocal = IsLocalAddress(c, client);
        return clientIsLocal == local ? (fd.SourceIp, fd.SourcePort) : (fd.DestIp, fd.DestPort);
    }

    /// <summary>fd.is_server: a listening socket, or a connected one whose server address belongs to this machine.</summary>
    private static bool? IsServer(Ctx c)
    {
        if (c.Fd is not { } fd)
        {
            return null;
        }

        if (fd.Type is ScapFdType.Ipv4ServSock or ScapFdType.Ipv6ServSock)
        {
            return true;
        }

        return fd.Type is ScapFdType.Ipv4Sock or ScapFdType.Ipv6Sock && IsLocalAddress(c, fd.DestIp ?? IPAddress.Any);
    }

    /// <summary>
    /// Whether an address belongs to this machine, as sysdig decides it: a thread in a container first
    /// checks its container's address (or, when that is unknown, every container's), then the capture's
    /// interfaces. IPv6 addresses count only for host threads, by interface subnet.
    /// </summary>
    private static bool IsLocalAddress(Ctx c, IPAddress address)
    {
        bool inContainer = c.Thread is { ContainerId.Length: > 0 };
        if (address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6)
        {
            if (inContainer)
            {
                return false;
            }

            byte[] bytes = address.GetAddressBytes();
            foreach (InterfaceRecord i in c.State.Interfaces)
            {
                if (i.Address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6
                    && i.Address.GetAddressBytes().AsSpan(0, 8).SequenceEqual(bytes.AsSpan(0, 8)))
                {
                    return true;
                }
            }

            return false;
        }

        if (inContainer && c.Container is { } own && own.Id != ContainerInfo.Host.Id)
        {
            if (own.Ip is { } ownIp && !ownIp.Equals(IPAddress.Any))
            {
                if (ownIp.Equals(address))
                {
                    return true;
                }
            }
            else
            {
                foreach (ContainerInfo other in c.State.Containers.All)
                {
                    if ((other.Ip ?? IPAddress.Any).Equals(address))
                    {
                        return true;
                    }
                }
            }
        }

        foreach (InterfaceRecord i in c.State.Interfaces)
        {
            if (i.Address.Equals(address))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>fd.nameraw: libs removes repeated path separators and nothing else.</summary>
    private static string CollapseSlashes(string path)
    {
        if (!path.Contains("//", StringComparison.Ordinal))
        {
            return path;
        }

        var sb = new System.Text.StringBuilder(path.Length);
        foreach (char ch in path)
        {
            if (ch != '/' || sb.Length == 0 || sb[^1] != '/')
            {
                sb.Append(ch);
            }
        }

        return sb.ToString();
    }

    /// <summary>sinsp's cut at the last '/': "/" without one (or at 0), the whole path when it ends in '/'.</summary>
    private static string Directory(string path)
    {
        int slash = path.LastIndexOf('/');
        return slash <= 0 ? "/" : slash < path.Length - 1 ? path[..slash] : path;
    }

    /// <summary>What follows the last '/', or the whole path when nothing does.</summary>
    private static string FileName(string path)
    {
        int slash = path.LastIndexOf('/');
        return slash >= 0 && slash < path.Length - 1 ? path[(slash + 1)..] : path;
    }

    /// <summary>The thread's container id as sinsp keeps it: empty on the host (fd.containername reads ":/path" there).</summary>
    private static string SinspContainerId(Ctx c) => c.Thread?.ContainerId ?? string.Empty;

    private static string ContainerIdOf(Ctx c) => c.Thread is { ContainerId.Length: > 0 } t ? t.ContainerId : "host";

    private static string TypeName(ScapFdType type) => type switch
    {
        ScapFdType.File or ScapFdType.FileV2 => "file",
        ScapFdType.Directory => "directory",
        ScapFdType.Ipv4Sock or ScapFdType.Ipv4ServSock => "ipv4",
        ScapFdType.Ipv6Sock or ScapFdType.Ipv6ServSock => "ipv6",
        ScapFdType.UnixSock => "unix",
        ScapFdType.Fifo => "pipe",
        ScapFdType.Event => "event",
        ScapFdType.SignalFd => "signalfd",
        ScapFdType.EventPoll => "eventpoll",
        ScapFdType.Inotify => "inotify",
        ScapFdType.TimerFd => "timerfd",
        ScapFdType.Netlink => "netlink",
        ScapFdType.Bpf => "bpf",
        ScapFdType.UserFaultFd => "userfaultfd",
        ScapFdType.IoUring => "io_uring",
        ScapFdType.MemFd => "memfd",
        ScapFdType.PidFd => "pidfd",
        ScapFdType.Unsupported => "unsupported",
        _ => "<unknown>",
    };
}
