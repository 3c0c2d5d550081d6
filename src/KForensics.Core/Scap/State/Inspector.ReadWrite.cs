using KForensics.Core.Scap.Format;

namespace KForensics.Core.Scap.State;

internal sealed partial class Inspector
{
    /// <summary>sinsp's parse_rw_exit: UDP and unconnected sockets learn their peer from the tuple of recvfrom/sendto…</summary>
    private void ParseReadWriteExit(in RawEvent ev, EventInfo info, int type)
    {
        if (_evtFd is null || Thread is not { } t)
        {
            return;
        }

        if (Params.I64(ev, 0) < 0)
        {
            return;
        }

        bool writes = (FlagsOf(info) & EventFlags.WritesToFd) != 0;
        AdoptTransferTuple(ev, info, type, t);

        // The syslog decoder sees the data of every successful write to an fd it follows.
        if (writes && (FlagsOf(info) & EventFlags.ReadsFromFd) == 0 && _evtFd is { SyslogListeners: > 0 })
        {
            DecodeSyslog(Params.Get(ev, 1));
        }
    }

    /// <summary>The socket part of parse_rw_exit: a successful transfer connects an IP socket, and a datagram's tuple names the fd.</summary>
    private void AdoptTransferTuple(in RawEvent ev, EventInfo info, int type, ThreadInfo t)
    {
        if (_evtFd is null)
        {
            return;
        }

        // A successful transfer on an IP socket proves it connected (fd.connected).
        if (_evtFd.Type is ScapFdType.Ipv4Sock or ScapFdType.Ipv6Sock && !_evtFd.SocketConnected)
        {
            FdInfo connected = _evtFd.Clone();
            connected.SocketConnected = true;
            UpdateEventFd(connected);
        }

        bool reads = (FlagsOf(info) & EventFlags.ReadsFromFd) != 0;
        int tupleParam = reads
            ? type == Ppme.RecvFromX ? 2 : type == Ppme.RecvMsgX ? 3 : -1
            : type is Ppme.SendToX or Ppme.SendMsgX ? 2 : -1;
        FdInfo current = _evtFd;
        if (tupleParam == -1 || !(current.Name.Length == 0 || !IsTcp(current)))
        {
            return;
        }

        ReadOnlySpan<byte> tuple;
        if (reads)
        {
            tuple = Params.Get(ev, tupleParam);
        }
        else
        {
            if (!RetrieveEnter(ev, out RawEvent enter))
            {
                return;
            }

            tuple = Params.Get(enter, tupleParam);
        }

        FdInfo f = current.Clone();
        if (!UpdateFd(f, tuple))
        {
            return;
        }

        UpdateEventFd(f);
        string before = f.Name;
        if (f.Type is ScapFdType.Ipv4Sock or ScapFdType.Ipv6Sock)
        {
            if (f.Role == SocketRole.None)
            {
                // sinsp's set_net_role_by_guessing: its port checks see this very socket, so in
                // practice reads make a server and writes a client.
                f.Role = IsBoundToPort(t, f.Sock.V4Dport) && !UsesClientPort(t, f.Sock.V4Sport) ? SocketRole.Server
                    : IsBoundToPort(t, f.Sock.V4Dport) ? (reads ? SocketRole.Server : SocketRole.Client)
                    : SocketRole.Client;
            }

            if ((reads && f.Role == SocketRole.Client) || (!reads && f.Role == SocketRole.Server))
            {
                Swap(f);
            }

            f.Name = SocketName(f);
        }
        else
        {
            f.Name = SocketText.FormatTuple(tuple);
        }

        FdNameChanged = f.Name != before;
    }

    private static bool IsTcp(FdInfo f) => f.Type == ScapFdType.Ipv4Sock && f.Sock.V4L4 == L4Tcp;

    /// <summary>sinsp's update_fd: adopt a socket tuple seen on the fd.</summary>
    private bool UpdateFd(FdInfo f, ReadOnlySpan<byte> tuple)
    {
        if (tuple.IsEmpty)
        {
            return false;
        }

        byte family = tuple[0];
        if (family == SocketText.AfInet)
        {
            if (f.Type == ScapFdType.Ipv4ServSock)
            {
                f.Sock.V4L4 = f.Sock.V4ServL4;
            }

            f.Type = ScapFdType.Ipv4Sock;
            if (tuple.Length < 13 || !SetV4(f, U32(tuple, 1), SocketText.U16(tuple, 5), U32(tuple, 7), SocketText.U16(tuple, 11)))
            {
                return false;
            }
        }
        else if (family == SocketText.AfInet6)
        {
            if (tuple.Length < 37)
            {
                return false;
            }

            if (SocketText.IsV4Mapped(tuple.Slice(1, 16)) && SocketText.IsV4Mapped(tuple.Slice(19, 16)))
            {
                f.Type = ScapFdType.Ipv4Sock;
                if (!SetV4(f, U32(tuple, 13), SocketText.U16(tuple, 17), U32(tuple, 31), SocketText.U16(tuple, 35)))
                {
                    return false;
                }
            }
            else if (!SetV6(f, tuple))
            {
                return false;
            }
        }
        else if (family == SocketText.AfUnix)
        {
            f.Type = ScapFdType.UnixSock;
            if (tuple.Length >= 17)
            {
                f.Sock.UnixSource = System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(tuple[1..]);
                f.Sock.UnixDest = System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(tuple[9..]);
                f.Name = Params.CStr(tuple[17..]);
            }

            FollowSyslog(f);
            return true;
        }

        if (f.Type == ScapFdType.Ipv4Sock && f.Sock.V4L4 == L4Unknown)
        {
            f.Sock.V4L4 = L4Udp;
        }
        else if (f.Type == ScapFdType.Ipv6Sock && f.Sock.V6L4 == L4Unknown)
        {
            f.Sock.V6L4 = L4Udp;
        }

        InferLocalAddress(f);

        // The decoders hear of the tuple change before the caller renames the fd from it.
        FollowSyslog(f);
        return true;
    }

    private bool IsBoundToPort(ThreadInfo t, ushort port)
    {
        foreach (FdInfo f in Threads.FdTableOf(t).Values)
        {
            if ((f.Type == ScapFdType.Ipv4Sock && f.Sock.V4Dport == port) || (f.Type == ScapFdType.Ipv4ServSock && f.Sock.V4ServPort == port))
            {
                return true;
            }
        }

        return false;
    }

    private bool UsesClientPort(ThreadInfo t, ushort port)
    {
        foreach (FdInfo f in Threads.FdTableOf(t).Values)
        {
            if (f.Type == ScapFdType.Ipv4Sock && f.Sock.V4Sport == port)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>sinsp_network_interfaces::update_fd: fill a missing IPv4 end from the interface list.</summary>
    private void InferLocalAddress(FdInfo f)
    {
        if (f.Type == ScapFdType.Ipv6Sock)
        {
            InferLocalV6Address(f);
            return;
        }

        if (f.Type != ScapFdType.Ipv4Sock)
        {
            return;
        }

        ref SockInfo s = ref f.Sock;
        if (s.V4Sip != 0 && s.V4Dip != 0)
        {
            return;
        }

        if (s.V4Sip == 0)
        {
            uint inferred = InferV4(s.V4Dip);
            if (inferred == s.V4Dip && s.V4Sport == s.V4Dport)
            {
                return;
            }

            s.V4Sip = inferred;
        }
        else
        {
            uint inferred = InferV4(s.V4Sip);
            if (inferred == s.V4Sip && s.V4Sport == s.V4Dport)
            {
                return;
            }

            s.V4Dip = inferred;
        }
    }

    /// <summary>The IPv6 half of sinsp_network_interfaces::update_fd: an unset end from the capture's IPv6 interfaces.</summary>
    private void InferLocalV6Address(FdInfo f)
    {
        ref SockInfo s = ref f.Sock;
        bool sipEmpty = s.V6Sip.IndexOfAnyExcept((byte)0) < 0, dipEmpty = s.V6Dip.IndexOfAnyExcept((byte)0) < 0;
        if (!sipEmpty && !dipEmpty)
        {
            return;
        }

        Span<byte> known = stackalloc byte[16];
        (sipEmpty ? s.V6Dip : s.V6Sip).CopyTo(known);
        Span<byte> inferred = stackalloc byte[16];
        InferV6(known, inferred);
        if (inferred.SequenceEqual(known) && s.V6Sport == s.V6Dport)
        {
            return;
        }

        if (sipEmpty)
        {
            s.SetV6Sip(inferred);
        }
        else
        {
            s.SetV6Dip(inferred);
        }
    }

    /// <summary>sinsp's infer_ipv6_address: the interface with that very address, else one on its /64, else none (all zero).</summary>
    private void InferV6(ReadOnlySpan<byte> destination, Span<byte> result)
    {
        result.Clear();
        Span<byte> a = stackalloc byte[16];
        foreach (bool exact in (ReadOnlySpan<bool>)[true, false])
        {
            foreach (InterfaceRecord i in Interfaces)
            {
                if (i.Address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6 || !i.Address.TryWriteBytes(a, out _))
                {
                    continue;
                }

                if (exact ? a.SequenceEqual(destination) : a[..8].SequenceEqual(destination[..8]))
                {
                    a.CopyTo(result);
                    return;
                }
            }
        }
    }

    private uint InferV4(uint destination)
    {
        const uint Loopback = 0x0100007F;
        uint firstNonLoopback = 0;
        bool haveNonLoopback = false;
        foreach (InterfaceRecord i in Interfaces)
        {
            if (V4(i.Address) is uint a && a == destination)
            {
                return a;
            }
        }

        foreach (InterfaceRecord i in Interfaces)
        {
            if (V4(i.Address) is uint a && V4(i.Netmask) is uint m && (a & m) == (destination & m))
            {
                return a;
            }
        }

        foreach (InterfaceRecord i in Interfaces)
        {
            if (V4(i.Address) is uint a && a != Loopback && !haveNonLoopback)
            {
                firstNonLoopback = a;
                haveNonLoopback = true;
            }
        }

        return firstNonLoopback;
    }

    private static uint? V4(System.Net.IPAddress ip)
    {
        if (ip.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork)
        {
            return null;
        }

        Span<byte> b = stackalloc byte[4];
        ip.TryWriteBytes(b, out _);
        return System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(b);
    }
}
