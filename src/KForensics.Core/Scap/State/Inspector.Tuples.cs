using System.Buffers.Binary;
using KForensics.Core.Scap.Format;

namespace KForensics.Core.Scap.State;

/// <summary>Socket tuples: sinsp's address updates, swaps and the names it builds from them.</summary>
internal sealed partial class Inspector
{
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
