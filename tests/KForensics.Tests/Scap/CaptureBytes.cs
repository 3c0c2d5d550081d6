using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using KForensics.Core.Scap.Format;

namespace KForensics.Tests.Scap;

/// <summary>Builds capture files byte by byte, so tests can hold block types and versions no corpus file has.</summary>
internal sealed class CaptureBytes
{
    private readonly ArrayBufferWriter<byte> _data = new();

    /// <summary>Offsets at which each block started, in order.</summary>
    public List<long> BlockOffsets { get; } = [];

    public CaptureBytes Shb(ushort major = 1, ushort minor = 2, byte[]? options = null)
    {
        var body = new List<byte>();
        body.AddRange(U32(BlockTypes.ByteOrderMagic));
        body.AddRange(U16(major));
        body.AddRange(U16(minor));
        body.AddRange(BitConverter.GetBytes(-1L));
        if (options is not null)
        {
            body.AddRange(options);
        }

        return Block(BlockTypes.Shb, body.ToArray());
    }

    public CaptureBytes Block(uint type, byte[] body, byte[]? trailingOptions = null)
    {
        BlockOffsets.Add(_data.WrittenCount);
        int content = 8 + body.Length + (trailingOptions?.Length ?? 0);
        int padded = (content + 3) & ~3;
        int total = padded + 4;
        _data.Write(U32(type));
        _data.Write(U32((uint)total));
        _data.Write(body);
        if (trailingOptions is not null)
        {
            _data.Write(trailingOptions);
        }

        _data.Write(new byte[padded - content]);
        _data.Write(U32((uint)total));
        return this;
    }

    /// <summary>An event block: EV/EV_INT/EVF store no nparams; *_V2 do; EVF* carry block flags.</summary>
    public CaptureBytes Event(uint blockType, ushort type, ulong ts, long tid, ushort cpu = 0, uint flags = 0, byte[]? trailingOptions = null, params byte[][] parameters)
    {
        bool v2 = blockType is BlockTypes.EvV2 or BlockTypes.EvV2Large or BlockTypes.EvfV2 or BlockTypes.EvfV2Large;
        bool flagged = blockType is BlockTypes.Evf or BlockTypes.EvfV2 or BlockTypes.EvfV2Large;
        bool wide = EventTable.TryGet(type, out EventInfo? info) && (info.Flags & EventFlags.LargePayload) != 0;
        var ev = new List<byte>();
        int header = v2 ? 26 : 22;
        int length = header + (parameters.Length * (wide ? 4 : 2)) + parameters.Sum(p => p.Length);
        ev.AddRange(U64(ts));
        ev.AddRange(BitConverter.GetBytes(tid));
        ev.AddRange(U32((uint)length));
        ev.AddRange(U16(type));
        if (v2)
        {
            ev.AddRange(U32((uint)parameters.Length));
        }

        foreach (byte[] p in parameters)
        {
            ev.AddRange(wide ? U32((uint)p.Length) : U16((ushort)p.Length));
        }

        foreach (byte[] p in parameters)
        {
            ev.AddRange(p);
        }

        var body = new List<byte>();
        body.AddRange(U16(cpu));
        if (flagged)
        {
            body.AddRange(U32(flags));
        }

        body.AddRange(ev);
        return Block(blockType, body.ToArray(), trailingOptions);
    }

    public byte[] ToArray() => _data.WrittenSpan.ToArray();

    public byte[] ToGzip()
    {
        var output = new MemoryStream();
        using (var gz = new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true))
        {
            gz.Write(ToArray());
        }

        return output.ToArray();
    }

    public static byte[] U16(ushort v) => BitConverter.GetBytes(v);

    public static byte[] U32(uint v) => BitConverter.GetBytes(v);

    public static byte[] U64(ulong v) => BitConverter.GetBytes(v);

    public static byte[] I64(long v) => BitConverter.GetBytes(v);

    /// <summary>A CHARBUF/FSPATH value: text and its NUL.</summary>
    public static byte[] Text(string s) => [.. Encoding.UTF8.GetBytes(s), 0];

    /// <summary>A u16-length string of metadata blocks (no NUL).</summary>
    public static byte[] Str16(string s)
    {
        byte[] b = Encoding.UTF8.GetBytes(s);
        return [.. U16((ushort)b.Length), .. b];
    }

    public static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();

    public static uint ReadU32(byte[] data, long at) => BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan((int)at));
}
