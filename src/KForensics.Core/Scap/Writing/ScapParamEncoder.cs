using System.Buffers.Binary;
using System.Collections;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using KForensics.Core.Scap.Format;

namespace KForensics.Core.Scap.Writing;

/// <summary>
/// Encodes one typed value the way the kernel driver stores a parameter of a given <see cref="ParamType"/>.
/// A <c>null</c> value gives a zero-length parameter ("not available"); a <c>byte[]</c> is stored as is,
/// which lets tests write deliberately odd values.
/// </summary>
public static class ScapParamEncoder
{
    private const byte AfUnix = 1;
    private const byte AfInet = 2;
    private const byte AfInet6 = 10;

    public static byte[] Encode(ParamType type, object? value)
    {
        if (value is null)
        {
            return Array.Empty<byte>();
        }

        if (value is byte[] raw)
        {
            return raw;
        }

        return type switch
        {
            ParamType.Int8 or ParamType.UInt8 or ParamType.Flags8 or ParamType.EnumFlags8 or ParamType.SigType
                or ParamType.L4Proto or ParamType.SockFamily => new[] { (byte)ToBits(value) },
            ParamType.Int16 or ParamType.UInt16 or ParamType.Flags16 or ParamType.EnumFlags16 or ParamType.Port
                or ParamType.SyscallId => Fixed(2, ToBits(value)),
            ParamType.Int32 or ParamType.UInt32 or ParamType.Flags32 or ParamType.EnumFlags32 or ParamType.Bool
                or ParamType.Uid or ParamType.Gid or ParamType.Mode or ParamType.SigSet or ParamType.Fd32
                or ParamType.Pid32 => Fixed(4, ToBits(value)),
            ParamType.Int64 or ParamType.UInt64 or ParamType.Errno or ParamType.Fd or ParamType.Pid
                or ParamType.RelTime or ParamType.AbsTime => Fixed(8, ToBits(value)),
            ParamType.Double => Fixed(8, (ulong)BitConverter.DoubleToInt64Bits(Convert.ToDouble(value, CultureInfo.InvariantCulture))),
            ParamType.CharBuf or ParamType.FsPath or ParamType.FsRelPath => NulTerminated(Convert.ToString(value, CultureInfo.InvariantCulture) ?? string.Empty),
            ParamType.ByteBuf => ByteBuf(value),
            ParamType.SockAddr => SockAddr(value),
            ParamType.SockTuple => SockTuple(value),
            ParamType.Ipv4Addr or ParamType.Ipv6Addr or ParamType.IpAddr => ((IPAddress)value).GetAddressBytes(),
            ParamType.FdList => FdList((IEnumerable<ScapPollFd>)value),
            ParamType.Dyn => Dyn((ScapDynValue)value),
            _ => throw new ArgumentException($"Parameters of type {type} cannot be encoded from a {value.GetType().Name}; pass the bytes.", nameof(value)),
        };
    }

    // Two's complement bits of any integer, enum or bool, so negative fds and errnos keep their sign.
    private static ulong ToBits(object value) => value switch
    {
        ulong u => u,
        bool b => b ? 1UL : 0UL,
        Enum e => Convert.ToUInt64(Convert.ToInt64(e, CultureInfo.InvariantCulture)),
        uint u => u,
        _ => unchecked((ulong)Convert.ToInt64(value, CultureInfo.InvariantCulture)),
    };

    private static byte[] Fixed(int size, ulong bits)
    {
        byte[] buffer = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(buffer, bits);
        return buffer.AsSpan(0, size).ToArray();
    }

    private static byte[] NulTerminated(string text)
    {
        byte[] bytes = new byte[Encoding.UTF8.GetByteCount(text) + 1];
        Encoding.UTF8.GetBytes(text, bytes);
        return bytes;
    }

    // A string is raw payload (I/O data); a list of strings is a NUL-separated list (execve args/env, cgroups).
    private static byte[] ByteBuf(object value)
    {
        if (value is string text)
        {
            return Encoding.UTF8.GetBytes(text);
        }

        if (value is IEnumerable list)
        {
            var buffer = new List<byte>();
            foreach (object? item in list)
            {
                buffer.AddRange(NulTerminated(Convert.ToString(item, CultureInfo.InvariantCulture) ?? string.Empty));
            }

            return buffer.ToArray();
        }

        throw new ArgumentException($"A BYTEBUF is a string, a list of strings or bytes, not a {value.GetType().Name}.", nameof(value));
    }

    private static byte[] SockAddr(object value)
    {
        switch (value)
        {
            case IPEndPoint endpoint:
                {
                    byte[] ip = endpoint.Address.GetAddressBytes();
                    byte[] buffer = new byte[1 + ip.Length + 2];
                    buffer[0] = endpoint.AddressFamily == AddressFamily.InterNetworkV6 ? AfInet6 : AfInet;
                    ip.CopyTo(buffer, 1);
                    BinaryPrimitives.WriteUInt16LittleEndian(buffer.AsSpan(1 + ip.Length), (ushort)endpoint.Port);
                    return buffer;
                }

            case ScapUnixAddress unix:
                {
                    byte[] path = NulTerminated(unix.Path);
                    byte[] buffer = new byte[1 + path.Length];
                    buffer[0] = AfUnix;
                    path.CopyTo(buffer, 1);
                    return buffer;
                }

            default:
                throw new ArgumentException($"A SOCKADDR is an IPEndPoint or a ScapUnixAddress, not a {value.GetType().Name}.", nameof(value));
        }
    }

    private static byte[] SockTuple(object value)
    {
        switch (value)
        {
            case ScapSocketTuple tuple:
                {
                    byte[] sip = tuple.Source.Address.GetAddressBytes();
                    byte[] dip = tuple.Destination.Address.GetAddressBytes();
                    if (sip.Length != dip.Length)
                    {
                        throw new ArgumentException("Both ends of a socket tuple must be of the same address family.", nameof(value));
                    }

                    byte[] buffer = new byte[1 + (2 * (sip.Length + 2))];
                    buffer[0] = sip.Length == 16 ? AfInet6 : AfInet;
                    int at = 1;
                    sip.CopyTo(buffer, at);
                    at += sip.Length;
                    BinaryPrimitives.WriteUInt16LittleEndian(buffer.AsSpan(at), (ushort)tuple.Source.Port);
                    at += 2;
                    dip.CopyTo(buffer, at);
                    at += dip.Length;
                    BinaryPrimitives.WriteUInt16LittleEndian(buffer.AsSpan(at), (ushort)tuple.Destination.Port);
                    return buffer;
                }

            case ScapUnixTuple unix:
                {
                    byte[] path = NulTerminated(unix.Path);
                    byte[] buffer = new byte[17 + path.Length];
                    buffer[0] = AfUnix;
                    BinaryPrimitives.WriteUInt64LittleEndian(buffer.AsSpan(1), unix.Source);
                    BinaryPrimitives.WriteUInt64LittleEndian(buffer.AsSpan(9), unix.Destination);
                    path.CopyTo(buffer, 17);
                    return buffer;
                }

            default:
                throw new ArgumentException($"A SOCKTUPLE is a ScapSocketTuple or a ScapUnixTuple, not a {value.GetType().Name}.", nameof(value));
        }
    }

    private static byte[] FdList(IEnumerable<ScapPollFd> fds)
    {
        var list = fds.ToList();
        byte[] buffer = new byte[2 + (10 * list.Count)];
        BinaryPrimitives.WriteUInt16LittleEndian(buffer, (ushort)list.Count);
        for (int i = 0; i < list.Count; i++)
        {
            BinaryPrimitives.WriteInt64LittleEndian(buffer.AsSpan(2 + (10 * i)), list[i].Fd);
            BinaryPrimitives.WriteUInt16LittleEndian(buffer.AsSpan(10 + (10 * i)), list[i].Flags);
        }

        return buffer;
    }

    private static byte[] Dyn(ScapDynValue dyn)
    {
        byte[] inner = Encode(dyn.Type, dyn.Value);
        byte[] buffer = new byte[1 + inner.Length];
        buffer[0] = dyn.Index;
        inner.CopyTo(buffer, 1);
        return buffer;
    }
}
