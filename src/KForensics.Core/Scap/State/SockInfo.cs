using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Runtime.CompilerServices;

namespace KForensics.Core.Scap.State;

/// <summary>
/// The socket part of an fd entry, laid out like sinsp's union of IPv4/IPv6 tuples and server
/// addresses. The views overlap on purpose: sysdig reuses the same bytes when a socket changes
/// kind (bind, then recvfrom…), and fd names only match if the same bytes are read.
/// </summary>
[InlineArray(40)]
internal struct SockInfo
{
    private byte _first;

    // IPv4 tuple: sip 0, dip 4, sport 8, dport 10, l4proto 12. IPv4 server: ip 0, port 4, l4proto 6.
    // IPv6 tuple: sip 0, dip 16, sport 32, dport 34, l4proto 36. IPv6 server: ip 0, port 16, l4proto 18.
    // Unix: source 0, dest 8.
    public uint V4Sip { readonly get => U32(0); set => SetU32(0, value); }
    public uint V4Dip { readonly get => U32(4); set => SetU32(4, value); }
    public ushort V4Sport { readonly get => U16(8); set => SetU16(8, value); }
    public ushort V4Dport { readonly get => U16(10); set => SetU16(10, value); }
    public byte V4L4 { readonly get => this[12]; set => this[12] = value; }
    public ushort V4ServPort { readonly get => U16(4); set => SetU16(4, value); }
    public byte V4ServL4 { readonly get => this[6]; set => this[6] = value; }
    public ushort V6Sport { readonly get => U16(32); set => SetU16(32, value); }
    public ushort V6Dport { readonly get => U16(34); set => SetU16(34, value); }
    public byte V6L4 { readonly get => this[36]; set => this[36] = value; }
    public ushort V6ServPort { readonly get => U16(16); set => SetU16(16, value); }
    public byte V6ServL4 { readonly get => this[18]; set => this[18] = value; }
    public ulong UnixSource { readonly get => U64(0); set => SetU64(0, value); }
    public ulong UnixDest { readonly get => U64(8); set => SetU64(8, value); }

    [UnscopedRef]
    public readonly ReadOnlySpan<byte> V6Sip => Bytes(0, 16);
    [UnscopedRef]
    public readonly ReadOnlySpan<byte> V6Dip => Bytes(16, 16);

    public void SetV6Sip(ReadOnlySpan<byte> ip) => ip[..16].CopyTo(Span(0, 16));
    public void SetV6Dip(ReadOnlySpan<byte> ip) => ip[..16].CopyTo(Span(16, 16));

    [UnscopedRef]
    public readonly ReadOnlySpan<byte> Bytes(int at, int count)
    {
        ReadOnlySpan<byte> all = this;
        return all.Slice(at, count);
    }

    [UnscopedRef]
    private Span<byte> Span(int at, int count)
    {
        Span<byte> all = this;
        return all.Slice(at, count);
    }

    private readonly uint U32(int at) => BinaryPrimitives.ReadUInt32LittleEndian(Bytes(at, 4));
    private readonly ushort U16(int at) => BinaryPrimitives.ReadUInt16LittleEndian(Bytes(at, 2));
    private readonly ulong U64(int at) => BinaryPrimitives.ReadUInt64LittleEndian(Bytes(at, 8));
    private void SetU32(int at, uint v) => BinaryPrimitives.WriteUInt32LittleEndian(Span(at, 4), v);
    private void SetU16(int at, ushort v) => BinaryPrimitives.WriteUInt16LittleEndian(Span(at, 2), v);
    private void SetU64(int at, ulong v) => BinaryPrimitives.WriteUInt64LittleEndian(Span(at, 8), v);

    /// <summary>An IPv4 address stored as read (network-order bytes in a little-endian u32): octets in memory order.</summary>
    public static string V4Text(uint ip) => string.Create(CultureInfo.InvariantCulture, $"{ip & 0xFF}.{(ip >> 8) & 0xFF}.{(ip >> 16) & 0xFF}.{ip >> 24}");

    public static string V6Text(ReadOnlySpan<byte> ip) => new IPAddress(ip).ToString();

    public static IPAddress V4Address(uint ip) => new(ip);
}
