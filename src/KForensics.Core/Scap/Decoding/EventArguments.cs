using System.Buffers.Binary;
using System.Net;
using System.Text;
using KForensics.Core.Scap.Format;

namespace KForensics.Core.Scap.Decoding;

/// <summary>
/// The parameters of an event as typed values, named by the current table and in its order. Every
/// stored parameter the current table describes is kept (also those newer than sysdig 0.29.3).
/// </summary>
/// <remarks>
/// Values are what the capture stores, not what sysdig prints: a relative path stays relative (the
/// traversal is evidence), an fd stays a number. A parameter of length zero is null; a fixed-size
/// parameter of the wrong size is kept as its raw bytes.
/// Integers keep their table type (sbyte/short/int/long, byte/ushort/uint/ulong); fd, pid and errno
/// are long; Flags/EnumFlags/Mode/SigSet/Uid/Gid are uint; CharBuf/FsPath are strings; ByteBuf is
/// byte[]; SockAddr is an <see cref="IPEndPoint"/> or a unix path; SockTuple is an
/// <see cref="IpTuple"/> or <see cref="UnixTuple"/>; FdList is <see cref="PollFd"/>[]; RelTime is
/// nanoseconds (ulong); AbsTime a UTC DateTime; Dyn the value of the type it selects.
/// </remarks>
internal static class EventArguments
{
    private const long NanosecondsPerTick = 100;

    /// <param name="ev">The event.</param>
    /// <param name="info">Its table entry.</param>
    /// <param name="context">Not consulted: decoding needs no state; taken so callers can treat Info and Arguments alike.</param>
    public static IReadOnlyList<KeyValuePair<string, object?>> Decode(in RawEvent ev, EventInfo info, IEventContext? context)
    {
        ArgumentNullException.ThrowIfNull(info);
        int count = Math.Min(ev.ParamCount, info.Params.Count);
        if (count <= 0)
        {
            return [];
        }

        var result = new KeyValuePair<string, object?>[count];
        Span<int> starts = count <= 64 ? stackalloc int[count] : new int[count];
        Span<int> lengths = count <= 64 ? stackalloc int[count] : new int[count];
        var values = new Params(ev, count, starts, lengths);
        for (int i = 0; i < count; i++)
        {
            ParamInfo param = info.Params[i];
            result[i] = new KeyValuePair<string, object?>(param.Name, DecodeValue(param, values.Value(i)));
        }

        return result;
    }

    internal static object? DecodeValue(ParamInfo param, ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
        {
            return null;
        }

        switch (param.Type)
        {
            case ParamType.CharBuf or ParamType.FsPath or ParamType.FsRelPath:
                return Encoding.UTF8.GetString(Params.CString(data));
            case ParamType.ByteBuf:
                return data.ToArray();
            case ParamType.SockAddr:
                return SockAddr(data);
            case ParamType.SockTuple:
                return SockTuple(data);
            case ParamType.FdList:
                return FdList(data);
            case ParamType.Dyn:
                return data[0] < param.DynamicTypes.Count ? DecodeValue(param.DynamicTypes[data[0]], data[1..]) : data.ToArray();
            case ParamType.IpAddr when data.Length is 4 or 16:
                return new IPAddress(data);
        }

        int size = FixedSize(param.Type);
        if (size == 0 || data.Length != size)
        {
            return data.ToArray();
        }

        return param.Type switch
        {
            ParamType.Int8 => (sbyte)data[0],
            ParamType.Int16 => BinaryPrimitives.ReadInt16LittleEndian(data),
            ParamType.Int32 or ParamType.Fd32 or ParamType.Pid32 => BinaryPrimitives.ReadInt32LittleEndian(data),
            ParamType.Int64 or ParamType.Errno or ParamType.Fd or ParamType.Pid => BinaryPrimitives.ReadInt64LittleEndian(data),
            ParamType.UInt8 or ParamType.SigType or ParamType.L4Proto or ParamType.SockFamily => data[0],
            ParamType.UInt16 or ParamType.SyscallId or ParamType.Port => BinaryPrimitives.ReadUInt16LittleEndian(data),
            ParamType.UInt32 or ParamType.Uid or ParamType.Gid or ParamType.Mode or ParamType.SigSet => BinaryPrimitives.ReadUInt32LittleEndian(data),
            ParamType.Flags8 or ParamType.EnumFlags8 => (uint)data[0],
            ParamType.Flags16 or ParamType.EnumFlags16 => (uint)BinaryPrimitives.ReadUInt16LittleEndian(data),
            ParamType.Flags32 or ParamType.EnumFlags32 => BinaryPrimitives.ReadUInt32LittleEndian(data),
            ParamType.UInt64 or ParamType.RelTime => BinaryPrimitives.ReadUInt64LittleEndian(data),
            ParamType.AbsTime => DateTime.UnixEpoch.AddTicks((long)(BinaryPrimitives.ReadUInt64LittleEndian(data) / NanosecondsPerTick)),
            ParamType.Bool => BinaryPrimitives.ReadUInt32LittleEndian(data) != 0,
            ParamType.Double => BinaryPrimitives.ReadDoubleLittleEndian(data),
            ParamType.Ipv4Addr or ParamType.Ipv6Addr => new IPAddress(data),
            _ => data.ToArray(),
        };
    }

    private static int FixedSize(ParamType type) => type switch
    {
        ParamType.Int8 or ParamType.UInt8 or ParamType.SigType or ParamType.L4Proto or ParamType.SockFamily
            or ParamType.Flags8 or ParamType.EnumFlags8 => 1,
        ParamType.Int16 or ParamType.UInt16 or ParamType.SyscallId or ParamType.Port
            or ParamType.Flags16 or ParamType.EnumFlags16 => 2,
        ParamType.Int32 or ParamType.UInt32 or ParamType.Uid or ParamType.Gid or ParamType.Mode or ParamType.SigSet
            or ParamType.Flags32 or ParamType.EnumFlags32 or ParamType.Bool or ParamType.Ipv4Addr
            or ParamType.Fd32 or ParamType.Pid32 => 4,
        ParamType.Int64 or ParamType.UInt64 or ParamType.Errno or ParamType.Fd or ParamType.Pid
            or ParamType.RelTime or ParamType.AbsTime or ParamType.Double => 8,
        ParamType.Ipv6Addr => 16,
        _ => 0,
    };

    private static object SockAddr(ReadOnlySpan<byte> data)
    {
        switch (data[0])
        {
            case 1:
                return Encoding.UTF8.GetString(Params.CString(data[1..]));
            case 2 when data.Length == 7:
                return new IPEndPoint(new IPAddress(data.Slice(1, 4)), BinaryPrimitives.ReadUInt16LittleEndian(data[5..]));
            case 10 when data.Length == 19:
                return new IPEndPoint(new IPAddress(data.Slice(1, 16)), BinaryPrimitives.ReadUInt16LittleEndian(data[17..]));
            default:
                return data.ToArray();
        }
    }

    private static object SockTuple(ReadOnlySpan<byte> data)
    {
        switch (data[0])
        {
            case 2 when data.Length == 13:
                return new IpTuple(
                    new IPEndPoint(new IPAddress(data.Slice(1, 4)), BinaryPrimitives.ReadUInt16LittleEndian(data[5..])),
                    new IPEndPoint(new IPAddress(data.Slice(7, 4)), BinaryPrimitives.ReadUInt16LittleEndian(data[11..])));
            case 10 when data.Length == 37:
                return new IpTuple(
                    new IPEndPoint(Ipv6(data.Slice(1, 16)), BinaryPrimitives.ReadUInt16LittleEndian(data[17..])),
                    new IPEndPoint(Ipv6(data.Slice(19, 16)), BinaryPrimitives.ReadUInt16LittleEndian(data[35..])));
            case 1 when data.Length >= 17:
                return new UnixTuple(
                    BinaryPrimitives.ReadUInt64LittleEndian(data[1..]),
                    BinaryPrimitives.ReadUInt64LittleEndian(data[9..]),
                    Encoding.UTF8.GetString(Params.CString(data[17..])));
            default:
                return data.ToArray();
        }
    }

    // IPv4-mapped addresses are given as IPv4, as sysdig treats such sockets as IPv4 ones.
    private static IPAddress Ipv6(ReadOnlySpan<byte> address)
        => address[..10].IndexOfAnyExcept((byte)0) < 0 && address[10] == 0xFF && address[11] == 0xFF
            ? new IPAddress(address[12..])
            : new IPAddress(address);

    private static object FdList(ReadOnlySpan<byte> data)
    {
        if (data.Length < 2)
        {
            return data.ToArray();
        }

        int count = BinaryPrimitives.ReadUInt16LittleEndian(data);
        int available = Math.Min(count, (data.Length - 2) / 10);
        var list = new PollFd[available];
        for (int i = 0; i < available; i++)
        {
            ReadOnlySpan<byte> entry = data.Slice(2 + (i * 10), 10);
            list[i] = new PollFd(BinaryPrimitives.ReadInt64LittleEndian(entry), BinaryPrimitives.ReadInt16LittleEndian(entry[8..]));
        }

        return list;
    }
}
