using System.Buffers.Binary;
using System.Net;
using System.Text;

namespace KForensics.Core.Scap.Writing;

/// <summary>
/// Builds one block in memory: the 8-byte header, the body, zero padding to 4 bytes and the
/// length trailer. Lengths are only known at the end, so they are patched in <see cref="Finish"/>.
/// </summary>
internal sealed class BlockBuilder
{
    private byte[] _buffer = new byte[256];

    public BlockBuilder(uint blockType)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(_buffer, blockType);
        Length = 8;
    }

    public int Length { get; private set; }

    public void U8(byte value) => Reserve(1)[0] = value;

    public void U16(ushort value) => BinaryPrimitives.WriteUInt16LittleEndian(Reserve(2), value);

    public void U32(uint value) => BinaryPrimitives.WriteUInt32LittleEndian(Reserve(4), value);

    public void U64(ulong value) => BinaryPrimitives.WriteUInt64LittleEndian(Reserve(8), value);

    public void I64(long value) => BinaryPrimitives.WriteInt64LittleEndian(Reserve(8), value);

    public void Bytes(ReadOnlySpan<byte> value) => value.CopyTo(Reserve(value.Length));

    /// <summary>A u16-length-prefixed string without NUL, as the metadata blocks store them.</summary>
    public void Str16(string value)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(value);
        U16((ushort)bytes.Length);
        Bytes(bytes);
    }

    /// <summary>A NUL-separated list with a NUL after every item (args, env, cgroups).</summary>
    public void List16(IReadOnlyList<string> items)
    {
        var joined = new StringBuilder();
        foreach (string item in items)
        {
            joined.Append(item).Append('\0');
        }

        Str16(joined.ToString());
    }

    /// <summary>Raw address bytes: IP addresses are stored in network order.</summary>
    public void Address(IPAddress address) => Bytes(address.GetAddressBytes());

    /// <summary>Reserves a u32 whose value is written later (entry lengths).</summary>
    public int Placeholder32()
    {
        int at = Length;
        U32(0);
        return at;
    }

    public void Patch32(int at, uint value) => BinaryPrimitives.WriteUInt32LittleEndian(_buffer.AsSpan(at), value);

    public ReadOnlyMemory<byte> Finish()
    {
        int padded = (Length + 3) & ~3;
        Reserve(padded - Length).Clear();
        uint total = (uint)(Length + 4);
        U32(total);
        BinaryPrimitives.WriteUInt32LittleEndian(_buffer.AsSpan(4), total);
        return _buffer.AsMemory(0, Length);
    }

    private Span<byte> Reserve(int count)
    {
        if (Length + count > _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, Length + count));
        }

        Span<byte> span = _buffer.AsSpan(Length, count);
        Length += count;
        return span;
    }
}
