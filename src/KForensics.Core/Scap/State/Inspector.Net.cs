using System.Buffers.Binary;
using KForensics.Core.Scap.Format;

namespace KForensics.Core.Scap.State;

internal sealed partial class Inspector
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
        FdInfo second = info.Clone();
        AddFd(t, Params.I64(ev, 2), second);
        AddFd(t, Params.I64(ev, 1), info);
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

        string before = f.Name;
        f.Name = SocketText.FormatAddr(addr);
        UpdateEventFd(f);
        FdNameChanged = f.Name != before;
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

        string before = f.Name;
        FillClientSocket(f, tuple);
        ListenForSyslog(f);
        UpdateEventFd(f);
        FdNameChanged = f.Name != before;
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
        FdNameChanged = true;
    }
}
