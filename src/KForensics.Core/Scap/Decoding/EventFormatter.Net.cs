using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using KForensics.Core.Scap.Format;

namespace KForensics.Core.Scap.Decoding;

internal static partial class EventFormatter
{
    private const byte FamilyUnix = 1;
    private const byte FamilyInet = 2;
    private const byte FamilyInet6 = 10;

    private static void AppendSockAddr(StringBuilder value, int length, ReadOnlySpan<byte> tail)
    {
        if (length == 0 || tail.IsEmpty)
        {
            value.Append("NULL");
            return;
        }

        switch (tail[0])
        {
            case FamilyUnix:
                AppendSanitized(value, Params.CString(tail[1..]));
                break;
            case FamilyInet when length == 1 + 4 + 2 && tail.Length >= length:
                AppendIpv4(value, tail.Slice(1, 4)).Append(':').Append(Port(tail, 5));
                break;
            case FamilyInet:
                value.Append("INVALID IPv4");
                break;
            case FamilyInet6 when length == 1 + 16 + 2 && tail.Length >= length:
                AppendIpv6(value, tail.Slice(1, 16)).Append(':').Append(Port(tail, 17));
                break;
            case FamilyInet6:
                value.Append("INVALID IPv6");
                break;
            default:
                value.Append("family ").Append((sbyte)tail[0]);
                break;
        }
    }

    private static void AppendSockTuple(StringBuilder value, int length, ReadOnlySpan<byte> tail)
    {
        if (length == 0 || tail.IsEmpty)
        {
            value.Append("NULL");
            return;
        }

        switch (tail[0])
        {
            case FamilyInet when length == 1 + 4 + 2 + 4 + 2 && tail.Length >= length:
                AppendIpv4(value, tail.Slice(1, 4)).Append(':').Append(Port(tail, 5)).Append("->");
                AppendIpv4(value, tail.Slice(7, 4)).Append(':').Append(Port(tail, 11));
                break;
            case FamilyInet:
                value.Append("INVALID IPv4");
                break;
            case FamilyInet6 when length == 1 + 16 + 2 + 16 + 2 && tail.Length >= length:
                {
                    ReadOnlySpan<byte> source = tail.Slice(1, 16);
                    ReadOnlySpan<byte> dest = tail.Slice(19, 16);

                    // Both ends IPv4-mapped (or all zero): printed as an IPv4 tuple.
                    if (IsIpv4Mapped(source) && IsIpv4Mapped(dest))
                    {
                        AppendIpv4(value, source[12..]).Append(':').Append(Port(tail, 17)).Append("->");
                        AppendIpv4(value, dest[12..]).Append(':').Append(Port(tail, 35));
                    }
                    else
                    {
                        AppendIpv6(value, source).Append(':').Append(Port(tail, 17)).Append("->");
                        AppendIpv6(value, dest).Append(':').Append(Port(tail, 35));
                    }

                    break;
                }

            case FamilyInet6:
                value.Append("INVALID IPv6");
                break;
            case FamilyUnix:
                AppendFormatted(value, Params.ReadUnsigned(tail.Length > 1 ? tail[1..] : [], 8), "x").Append("->");
                AppendFormatted(value, Params.ReadUnsigned(tail.Length > 9 ? tail[9..] : [], 8), "x").Append(' ');
                AppendSanitized(value, Params.CString(tail.Length > 17 ? tail[17..] : []));
                break;
            default:
                value.Append("family ").Append((sbyte)tail[0]);
                break;
        }
    }

    private static ushort Port(ReadOnlySpan<byte> tail, int at) => BinaryPrimitives.ReadUInt16LittleEndian(tail[at..]);

    internal static bool IsIpv4Mapped(ReadOnlySpan<byte> address)
    {
        if (address[..10].IndexOfAnyExcept((byte)0) >= 0)
        {
            return false;
        }

        return (address[10] == 0xFF && address[11] == 0xFF) || address[10..].IndexOfAnyExcept((byte)0) < 0;
    }

    private static StringBuilder AppendIpv4(StringBuilder value, ReadOnlySpan<byte> address)
        => value.Append(address[0]).Append('.').Append(address[1]).Append('.').Append(address[2]).Append('.').Append(address[3]);

    // glibc's inet_ntop: the longest run (at least two) of zero groups becomes "::", groups in
    // lower-case hex, and ::a.b.c.d / ::ffff:a.b.c.d keep the dotted IPv4 tail.
    internal static StringBuilder AppendIpv6(StringBuilder value, ReadOnlySpan<byte> address)
    {
        Span<ushort> words = stackalloc ushort[8];
        for (int i = 0; i < 8; i++)
        {
            words[i] = BinaryPrimitives.ReadUInt16BigEndian(address[(i * 2)..]);
        }

        int bestBase = -1, bestLength = 0, runBase = -1, runLength = 0;
        for (int i = 0; i < 8; i++)
        {
            if (words[i] == 0)
            {
                if (runBase < 0)
                {
                    runBase = i;
                    runLength = 0;
                }

                runLength++;
                if (runLength > bestLength)
                {
                    bestBase = runBase;
                    bestLength = runLength;
                }
            }
            else
            {
                runBase = -1;
            }
        }

        if (bestLength < 2)
        {
            bestBase = -1;
        }

        for (int i = 0; i < 8; i++)
        {
            if (bestBase >= 0 && i >= bestBase && i < bestBase + bestLength)
            {
                if (i == bestBase)
                {
                    value.Append(':');
                }

                continue;
            }

            if (i != 0)
            {
                value.Append(':');
            }

            if (i == 6 && bestBase == 0 && (bestLength == 6 || (bestLength == 5 && words[5] == 0xFFFF)))
            {
                AppendIpv4(value, address[12..]);
                return value;
            }

            AppendFormatted(value, words[i], "x");
        }

        if (bestBase >= 0 && bestBase + bestLength == 8)
        {
            value.Append(':');
        }

        return value;
    }
}
