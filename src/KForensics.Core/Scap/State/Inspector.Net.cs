using System.Buffers.Binary;

namespace KForensics.Core.Scap.State;

public sealed partial class Inspector
{
    private const byte L4Unknown = 0, L4Tcp = 2, L4Udp = 3, L4Icmp = 4, L4Raw = 5;

    private void AddSocket(ThreadInfo t, long fd, uint domain, uint type, uint protocol)
    {
        ScapFdType fdType;
        if (domain == SocketText.AfUnix)
        {
            fdType = ScapFdType.UnixSock;
        }
        else if (domain is SocketText.AfInet or SocketText.AfInet6)
        {
            fdType = domain == SocketText.AfInet ? ScapFdType.Ipv4Sock : ScapFdType.Ipv6Sock;
        }
        else if (domain == 16)
        {
            fdType = ScapFdType.Netlink;
        }
        else
        {
            // sinsp does not track sockets of other families.
            return;
        }

        var info = new FdInfo(fdType, "");
        if (fdType is ScapFdType.Ipv4Sock or ScapFdType.Ipv6Sock)
        {
            byte l4 = protocol switch
            {
                6 => type == 3 ? L4Raw : L4Tcp,
                17 => type == 3 ? L4Raw : L4Udp,
                0 => (type & 0xFF) == 1 ? L4Tcp : (type & 0xFF) == 2 ? L4Udp : L4Unknown,
                1 => type == 3 ? L4Raw : L4Icmp,
                255 => L4Raw,
                _ => L4Unknown,
            };
            if (fdType == ScapFdType.Ipv4Sock)
            {
                info.Sock.V4L4 = l4;
            }
            else
            {
                info.Sock.V6L4 = l4;
            }
        }

        AddFd(t, fd, info);
    }

    private void ParseSocketExit(in RawEvent ev)
    {
        long fd = Params.I64(ev, 0);
        if (fd < 0 || Thread is not { } t || !RetrieveEnter(ev, out RawEvent enter))
        {
            return;
        }

        AddSocket(t, fd, Params.U32(enter, 0), Params.U32(enter, 1), Params.U32(enter, 2));
    }

    private void InferSendToFd(in RawEvent ev)
    {
        long fd = Params.I64(ev, 0);
        ReadOnlySpan<byte> tuple = Params.Get(ev, 2);
        if (fd < 0 || tuple.IsEmpty)
        {
            return;
        }

        if (tuple[0] is SocketText.AfInet or SocketText.AfInet6)
        {
            AddSocket(Thread!, fd, tuple[0], 2, 17);
        }
    }

    private void ParseSocketPairExit(in RawEvent ev)
    {
        if (Params.I64(ev, 0) < 0 || Thread is not { } t)
        {
            return;
        }

        var info = new FdInfo(ScapFdType.UnixSock, "");
        info.Sock.UnixSource = (ulong)Params.I64(ev, 3);
        info.Sock.UnixDest = (ulong)Params.I64(ev, 4);
        AddFd(t, Params.I64(ev, 1), info);
        Threads.FdTableOf(t)[Params.I64(ev, 2)] = info;
        _evtFd = info;
    }

    private void ParseBindExit(in RawEvent ev)
    {
        if (_evtFd is null || Params.I64(ev, 0) < 0)
        {
            return;
        }

        ReadOnlySpan<byte> addr = Params.Get(ev, 1);
        if (addr.IsEmpty)
        {
            return;
        }

        FdInfo f = _evtFd.Clone();
        if (addr[0] == SocketText.AfInet && addr.Length >= 7)
        {
            uint ip = BinaryPrimitives.ReadUInt32LittleEndian(addr[1..]);
            ushort port = SocketText.U16(addr, 5);
            if (port > 0)
            {
                f.Type = ScapFdType.Ipv4ServSock;
                byte l4 = f.Sock.V4L4;
                f.Sock.V4Sip = ip;
                f.Sock.V4ServPort = port;
                f.Sock.V4ServL4 = l4;
                f.Role = SocketRole.Server;
            }
        }
        else if (addr[0] == SocketText.AfInet6 && addr.Length >= 19)
        {
            ReadOnlySpan<byte> ip = addr.Slice(1, 16);
            ushort port = SocketText.U16(addr, 17);
            if (port > 0)
            {
                if (SocketText.IsV4Mapped(ip))
                {
                    f.Type = ScapFdType.Ipv4ServSock;
                    byte l4 = f.Sock.V6L4;
                    f.Sock.V4ServL4 = l4;
                    f.Sock.V4Sip = BinaryPrimitives.ReadUInt32LittleEndian(addr[13..]);
                    f.Sock.V4ServPort = port;
                }
                else
                {
                    f.Type = ScapFdType.Ipv6ServSock;
                    byte l4 = f.Sock.V6L4;
                    f.Sock.V6ServPort = port;
                    f.Sock.SetV6Sip(ip);
                    f.Sock.V6ServL4 = l4;
                }

                f.Role = SocketRole.Server;
            }
        }

        f.Name = SocketText.FormatAddr(addr);
        UpdateEventFd(f);
    }

    private void ParseConnectEnter(in RawEvent ev)
    {
        if (_evtFd is null || ev.ParamCount < 2)
        {
            return;
        }

        ReadOnlySpan<byte> addr = Params.Get(ev, 1);
        if (addr.IsEmpty)
        {
            return;
        }

        FdInfo f = _evtFd.Clone();
        if (addr[0] == SocketText.AfInet && addr.Length >= 7)
        {
            f.Type = ScapFdType.Ipv4Sock;
            f.Sock.V4Dip = BinaryPrimitives.ReadUInt32LittleEndian(addr[1..]);
            f.Sock.V4Dport = SocketText.U16(addr, 5);
        }
        else if (addr[0] == SocketText.AfInet6 && addr.Length >= 19)
        {
            ushort port = SocketText.U16(addr, 17);
            if (SocketText.IsV4Mapped(addr.Slice(1, 16)))
            {
                f.Type = ScapFdType.Ipv4Sock;
                f.Sock.V4Dip = BinaryPrimitives.ReadUInt32LittleEndian(addr[13..]);
                f.Sock.V4Dport = port;
            }
            else
            {
                f.Type = ScapFdType.Ipv6Sock;
                f.Sock.V6Dport = port;
                f.Sock.SetV6Dip(addr.Slice(1, 16));
            }
        }
        else
        {
            f.Name = SocketText.FormatAddr(addr);
            if (addr.Length >= 17)
            {
                f.Sock.UnixSource = BinaryPrimitives.ReadUInt64LittleEndian(addr[1..]);
                f.Sock.UnixDest = BinaryPrimitives.ReadUInt64LittleEndian(addr[9..]);
            }
        }

        UpdateEventFd(f);
    }

    private void ParseConnectExit(in RawEvent ev)
    {
        if (_evtFd is null)
        {
            return;
        }

        long res = Params.I64(ev, 0);
        if (res < 0 && res != -115)
        {
            return;
        }

        FdInfo f = _evtFd.Clone();
        f.SocketConnected = true;
        ReadOnlySpan<byte> tuple = Params.Get(ev, 1);
        if (tuple.IsEmpty)
        {
            UpdateEventFd(f);
            return;
        }

        FillClientSocket(f, tuple);
        UpdateEventFd(f);
    }

    /// <summary>sinsp's fill_client_socket_info.</summary>
    private static void FillClientSocket(FdInfo f, ReadOnlySpan<byte> tuple)
    {
        byte family = tuple[0];
        if (family is SocketText.AfInet or SocketText.AfInet6)
        {
            bool changed;
            if (family == SocketText.AfInet6 && tuple.Length >= 37
                && !(SocketText.IsV4Mapped(tuple.Slice(1, 16)) && SocketText.IsV4Mapped(tuple.Slice(19, 16))))
            {
                f.Type = ScapFdType.Ipv6Sock;
                changed = SetV6(f, tuple);
            }
            else if (family == SocketText.AfInet6)
            {
                f.Type = ScapFdType.Ipv4Sock;
                changed = tuple.Length >= 37 && SetV4(f, U32(tuple, 13), SocketText.U16(tuple, 17), U32(tuple, 31), SocketText.U16(tuple, 35));
            }
            else
            {
                f.Type = ScapFdType.Ipv4Sock;
                changed = tuple.Length >= 13 && SetV4(f, U32(tuple, 1), SocketText.U16(tuple, 5), U32(tuple, 7), SocketText.U16(tuple, 11));
            }

            if (changed && f.Role == SocketRole.Server && f.Type == ScapFdType.Ipv4Sock && f.Sock.V4L4 == L4Udp)
            {
                Swap(f);
            }

            f.Name = SocketName(f);
        }
        else
        {
            f.Name = SocketText.FormatTuple(tuple);
            if (tuple.Length >= 17)
            {
                f.Sock.UnixSource = BinaryPrimitives.ReadUInt64LittleEndian(tuple[1..]);
                f.Sock.UnixDest = BinaryPrimitives.ReadUInt64LittleEndian(tuple[9..]);
            }
        }

        if (f.Role == SocketRole.None)
        {
            f.Role = SocketRole.Client;
        }
    }

    private void ParseAcceptExit(in RawEvent ev)
    {
        if (Thread is not { } t)
        {
            return;
        }

        long fd = Params.I64(ev, 0);
        if (fd < 0)
        {
            return;
        }

        t.LastEventFd = fd;
        ReadOnlySpan<byte> tuple = Params.Get(ev, 1);
        if (tuple.IsEmpty)
        {
            return;
        }

        var f = new FdInfo(ScapFdType.Unknown, "");
        if (tuple[0] == SocketText.AfInet && tuple.Length >= 13)
        {
            SetV4(f, U32(tuple, 1), SocketText.U16(tuple, 5), U32(tuple, 7), SocketText.U16(tuple, 11));
            f.Type = ScapFdType.Ipv4Sock;
            f.Sock.V4L4 = L4Tcp;
        }
        else if (tuple[0] == SocketText.AfInet6 && tuple.Length >= 37)
        {
            if (SocketText.IsV4Mapped(tuple.Slice(1, 16)) && SocketText.IsV4Mapped(tuple.Slice(19, 16)))
            {
                SetV4(f, U32(tuple, 13), SocketText.U16(tuple, 17), U32(tuple, 31), SocketText.U16(tuple, 35));
                f.Type = ScapFdType.Ipv4Sock;
                f.Sock.V4L4 = L4Tcp;
            }
            else
            {
                SetV6(f, tuple);
                f.Type = ScapFdType.Ipv6Sock;
                f.Sock.V6L4 = L4Tcp;
            }
        }
        else if (tuple[0] == SocketText.AfUnix && tuple.Length >= 17)
        {
            f.Type = ScapFdType.UnixSock;
            f.Sock.UnixSource = BinaryPrimitives.ReadUInt64LittleEndian(tuple[1..]);
            f.Sock.UnixDest = BinaryPrimitives.ReadUInt64LittleEndian(tuple[9..]);
        }
        else
        {
            return;
        }

        f.Name = SocketText.FormatTuple(tuple);
        f.Role = SocketRole.Server;
        f.SocketConnected = true;
        AddFd(t, fd, f);
    }

    internal static uint U32(ReadOnlySpan<byte> p, int at) => BinaryPrimitives.ReadUInt32LittleEndian(p[at..]);

    /// <summary>sinsp's update_ipv4_addresses_and_ports: false when the tuple is already known (either way round).</summary>
    private static bool SetV4(FdInfo f, uint sip, ushort sport, uint dip, ushort dport)
    {
        ref SockInfo s = ref f.Sock;
        if (f.Type == ScapFdType.Ipv4Sock
            && ((sip == s.V4Sip && sport == s.V4Sport && dip == s.V4Dip && dport == s.V4Dport)
                || (dip == s.V4Sip && dport == s.V4Sport && sip == s.V4Dip && sport == s.V4Dport)))
        {
            return false;
        }

        bool changed = false;
        if (s.V4Sip != sip) { s.V4Sip = sip; changed = true; }
        if (s.V4Sport != sport) { s.V4Sport = sport; changed = true; }
        if (s.V4Dip == 0) { s.V4Dip = dip; changed = true; }
        if (s.V4Dport == 0) { s.V4Dport = dport; changed = true; }
        return changed;
    }

    private static bool SetV6(FdInfo f, ReadOnlySpan<byte> tuple)
    {
        ref SockInfo s = ref f.Sock;
        ReadOnlySpan<byte> sip = tuple.Slice(1, 16), dip = tuple.Slice(19, 16);
        ushort sport = SocketText.U16(tuple, 17), dport = SocketText.U16(tuple, 35);
        if (f.Type == ScapFdType.Ipv6Sock
            && ((sip.SequenceEqual(s.V6Sip) && sport == s.V6Sport && dip.SequenceEqual(s.V6Dip) && dport == s.V6Dport)
                || (dip.SequenceEqual(s.V6Sip) && dport == s.V6Sport && sip.SequenceEqual(s.V6Dip) && sport == s.V6Dport)))
        {
            return false;
        }

        bool changed = false;
        if (!s.V6Sip.SequenceEqual(sip)) { s.SetV6Sip(sip); changed = true; }
        if (s.V6Sport != sport) { s.V6Sport = sport; changed = true; }
        if (s.V6Dip.IndexOfAnyExcept((byte)0) < 0) { s.SetV6Dip(dip); changed = true; }
        if (s.V6Dport == 0) { s.V6Dport = dport; changed = true; }
        return changed;
    }

    private static void Swap(FdInfo f)
    {
        ref SockInfo s = ref f.Sock;
        if (f.Type == ScapFdType.Ipv4Sock)
        {
            (s.V4Sip, s.V4Dip) = (s.V4Dip, s.V4Sip);
            (s.V4Sport, s.V4Dport) = (s.V4Dport, s.V4Sport);
        }
        else
        {
            Span<byte> tmp = stackalloc byte[16];
            s.V6Sip.CopyTo(tmp);
            s.SetV6Sip(s.V6Dip);
            s.SetV6Dip(tmp);
            (s.V6Sport, s.V6Dport) = (s.V6Dport, s.V6Sport);
        }
    }

    /// <summary>sinsp's sockinfo_to_str for a connected IP socket.</summary>
    internal static string SocketName(FdInfo f)
    {
        ref SockInfo s = ref f.Sock;
        if (f.Type == ScapFdType.Ipv4Sock)
        {
            return s.V4L4 switch
            {
                L4Tcp or L4Udp => V4Tuple(s.V4Sip, s.V4Sport, s.V4Dip, s.V4Dport),
                L4Icmp or L4Raw => SockInfo.V4Text(s.V4Sip) + "->" + SockInfo.V4Text(s.V4Dip),
                _ => "<unknown>",
            };
        }

        bool mapped = SocketText.IsV4Mapped(s.V6Sip) && SocketText.IsV4Mapped(s.V6Dip);
        return s.V6L4 switch
        {
            // The mapped case reads the IPv4 view's ports, as sinsp does.
            L4Tcp or L4Udp when mapped => V4Tuple(U32(s.V6Sip, 12), s.V4Sport, U32(s.V6Dip, 12), s.V4Dport),
            L4Tcp or L4Udp => SockInfo.V6Text(s.V6Sip) + ":" + s.V6Sport.ToString(System.Globalization.CultureInfo.InvariantCulture)
                + "->" + SockInfo.V6Text(s.V6Dip) + ":" + s.V6Dport.ToString(System.Globalization.CultureInfo.InvariantCulture),
            L4Icmp when mapped => SockInfo.V4Text(U32(s.V6Sip, 12)) + "->" + SockInfo.V4Text(U32(s.V6Dip, 12)),
            L4Icmp => SockInfo.V6Text(s.V6Sip) + "->" + SockInfo.V6Text(s.V6Dip),
            _ => "<unknown>",
        };
    }

    internal static string V4Tuple(uint sip, ushort sport, uint dip, ushort dport)
        => SockInfo.V4Text(sip) + ":" + sport.ToString(System.Globalization.CultureInfo.InvariantCulture) + "->"
            + SockInfo.V4Text(dip) + ":" + dport.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
