using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using KForensics.Core.Scap.Format;

namespace KForensics.Core.Scap.State;

/// <summary>How sinsp writes socket addresses in fd names and socket parameters.</summary>
internal static class SocketText
{
    public const byte AfUnix = 1, AfInet = 2, AfInet6 = 10;

    public static string Endpoint(IPAddress? ip, ushort port) => Ip(ip) + ":" + port.ToString(CultureInfo.InvariantCulture);

    public static string Ip(IPAddress? ip) => ip is null ? "0.0.0.0" : ip.ToString();

    public static string Tuple(IPAddress? sip, ushort sport, IPAddress? dip, ushort dport)
        => Endpoint(sip, sport) + "->" + Endpoint(dip, dport);

    public static bool IsV4Mapped(ReadOnlySpan<byte> a)
        => a[..10].IndexOfAnyExcept((byte)0) < 0
            && ((a[10] == 0xFF && a[11] == 0xFF) || a[10..].IndexOfAnyExcept((byte)0) < 0);

    /// <summary>A PT_SOCKTUPLE parameter as sysdig prints it without fd context.</summary>
    public static string FormatTuple(ReadOnlySpan<byte> p)
    {
        if (p.IsEmpty)
        {
            return "NULL";
        }

        switch (p[0])
        {
            case AfInet when p.Length == 13:
                return Tuple(new IPAddress(p.Slice(1, 4)), U16(p, 5), new IPAddress(p.Slice(7, 4)), U16(p, 11));
            case AfInet:
                return "INVALID IPv4";
            case AfInet6 when p.Length == 37:
                if (IsV4Mapped(p.Slice(1, 16)) && IsV4Mapped(p.Slice(19, 16)))
                {
                    return Tuple(new IPAddress(p.Slice(13, 4)), U16(p, 17), new IPAddress(p.Slice(31, 4)), U16(p, 35));
                }

                return new IPAddress(p.Slice(1, 16)) + ":" + U16(p, 17).ToString(CultureInfo.InvariantCulture) + "->"
                    + new IPAddress(p.Slice(19, 16)) + ":" + U16(p, 35).ToString(CultureInfo.InvariantCulture);
            case AfInet6:
                return "INVALID IPv6";
            case AfUnix when p.Length >= 17:
                return BinaryPrimitives.ReadUInt64LittleEndian(p[1..]).ToString("x", CultureInfo.InvariantCulture) + "->"
                    + BinaryPrimitives.ReadUInt64LittleEndian(p[9..]).ToString("x", CultureInfo.InvariantCulture) + " "
                    + Sanitize(Params.CStr(p[17..]));
            default:
                return "family " + p[0].ToString(CultureInfo.InvariantCulture);
        }
    }

    /// <summary>A PT_SOCKADDR parameter as sysdig prints it without fd context.</summary>
    public static string FormatAddr(ReadOnlySpan<byte> p)
    {
        if (p.IsEmpty)
        {
            return "NULL";
        }

        return p[0] switch
        {
            AfUnix => Sanitize(Params.CStr(p[1..])),
            AfInet when p.Length == 7 => Endpoint(new IPAddress(p.Slice(1, 4)), U16(p, 5)),
            AfInet => "INVALID IPv4",
            AfInet6 when p.Length == 19 => new IPAddress(p.Slice(1, 16)) + ":" + U16(p, 17).ToString(CultureInfo.InvariantCulture),
            AfInet6 => "INVALID IPv6",
            _ => "family " + p[0].ToString(CultureInfo.InvariantCulture),
        };
    }

    /// <summary>sinsp's sanitize_string: unprintable characters are removed.</summary>
    public static string Sanitize(string s)
    {
        foreach (char c in s)
        {
            if (c < 0x20 || c >= 0x7F)
            {
                return string.Concat(s.Where(ch => ch >= 0x20 && ch < 0x7F));
            }
        }

        return s;
    }

    public static ushort U16(ReadOnlySpan<byte> p, int at) => BinaryPrimitives.ReadUInt16LittleEndian(p[at..]);
}
