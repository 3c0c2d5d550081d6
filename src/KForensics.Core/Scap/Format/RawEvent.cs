using System.Buffers.Binary;

namespace KForensics.Core.Scap.Format;

/// <summary>
/// One event as stored in a capture, in a buffer owned by the reader (or copied out of it):
/// header (<c>ts u64, tid u64, len u32, type u16</c>, then <c>nparams u32</c> in V2 blocks), the
/// parameter lengths (u16, or u32 for <see cref="EventFlags.LargePayload"/> types), then the values.
/// </summary>
public readonly struct RawEvent
{
    /// <summary>Size of the event header in EV/EVF (v1) blocks.</summary>
    public const int V1HeaderSize = 22;

    /// <summary>Size of the event header in *_V2 blocks (adds nparams).</summary>
    public const int V2HeaderSize = 26;

    public RawEvent(byte[] buffer, int offset, int headerSize, int fileParamCount, int paramCount, bool wideLengths, ushort cpu, uint blockFlags)
    {
        Buffer = buffer;
        Offset = offset;
        HeaderSize = headerSize;
        FileParamCount = fileParamCount;
        ParamCount = paramCount;
        WideLengths = wideLengths;
        Cpu = cpu;
        BlockFlags = blockFlags;
    }

    public byte[] Buffer { get; }

    /// <summary>Offset of the event header (its timestamp) in <see cref="Buffer"/>.</summary>
    public int Offset { get; }

    public int HeaderSize { get; }

    /// <summary>How many parameter lengths the file stores for this event.</summary>
    public int FileParamCount { get; }

    /// <summary>How many parameters are usable: min(file count, event table count), as sinsp loads them.</summary>
    public int ParamCount { get; }

    /// <summary>Parameter lengths are u32 (large-payload event types) instead of u16.</summary>
    public bool WideLengths { get; }

    public ushort Cpu { get; }

    /// <summary>EVF block flags (1 = state only); 0 for EV blocks.</summary>
    public uint BlockFlags { get; }

    public ulong Timestamp => BinaryPrimitives.ReadUInt64LittleEndian(Buffer.AsSpan(Offset));

    public long ThreadId => BinaryPrimitives.ReadInt64LittleEndian(Buffer.AsSpan(Offset + 8));

    public uint Length => BinaryPrimitives.ReadUInt32LittleEndian(Buffer.AsSpan(Offset + 16));

    public ushort Type => BinaryPrimitives.ReadUInt16LittleEndian(Buffer.AsSpan(Offset + 20));

    /// <summary>Length of parameter <paramref name="index"/> as stored.</summary>
    public int GetParamLength(int index)
    {
        int at = Offset + HeaderSize + (WideLengths ? 4 : 2) * index;
        return WideLengths
            ? (int)BinaryPrimitives.ReadUInt32LittleEndian(Buffer.AsSpan(at))
            : BinaryPrimitives.ReadUInt16LittleEndian(Buffer.AsSpan(at));
    }

    /// <summary>The bytes of parameter <paramref name="index"/> (0-based, &lt; <see cref="ParamCount"/>), located by <see cref="Params"/>.</summary>
    public ReadOnlySpan<byte> GetParam(int index)
    {
        if ((uint)index >= (uint)ParamCount)
        {
            throw new ArgumentOutOfRangeException(nameof(index));
        }

        return Params.Stored(this, index);
    }

    /// <summary>Copies the event bytes so the result survives the reader's buffer being reused.</summary>
    public RawEvent Detach() => CopyInto(new byte[(int)Length]);

    /// <summary>
    /// <see cref="Detach()"/> into <paramref name="buffer"/>, which is reused when it is big enough and
    /// replaced otherwise (for copies kept one at a time, such as a thread's last enter event; a new
    /// buffer has room for most events, so it is rarely replaced again).
    /// </summary>
    public RawEvent Detach(ref byte[]? buffer)
    {
        int length = (int)Length;
        if (buffer is null || buffer.Length < length)
        {
            buffer = new byte[Math.Max(length, 256)];
        }

        return CopyInto(buffer);
    }

    private RawEvent CopyInto(byte[] target)
    {
        Buffer.AsSpan(Offset, (int)Length).CopyTo(target);
        return new RawEvent(target, 0, HeaderSize, FileParamCount, ParamCount, WideLengths, Cpu, BlockFlags);
    }
}
