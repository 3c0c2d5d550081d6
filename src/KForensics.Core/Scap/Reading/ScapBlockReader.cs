using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.CompilerServices;
using KForensics.Core.Scap.Format;

namespace KForensics.Core.Scap.Reading;

/// <summary>
/// Walks the blocks of a capture: checks the section header, hands metadata blocks to a sink and
/// returns event blocks as <see cref="RawEvent"/> views into the reader's window (valid until the
/// next call). Unknown event types are skipped, as libscap does.
/// </summary>
internal sealed class ScapBlockReader : IDisposable
{
    /// <summary>Blocks larger than this are refused as damage rather than buffered.</summary>
    public const int MaxBlockLength = 256 << 20;

    private const int ShbFixedLength = 28;

    private readonly ScapInput _input;
    private readonly IScapMetadataSink _sink;
    private bool _done;

    /// <param name="stream">The capture (plain or gzip); owned.</param>
    /// <param name="file">The capture's name, for errors.</param>
    /// <param name="sink">Gets the metadata blocks.</param>
    /// <param name="inflateAhead">For a gzip capture: decompress on a second thread while this one parses.</param>
    public ScapBlockReader(Stream stream, string file, IScapMetadataSink sink, bool inflateAhead = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        File = file;
        _sink = sink;
        _input = new ScapInput(stream, file, inflateAhead);
        try
        {
            ReadSectionHeader();
        }
        catch
        {
            // Not a capture: stop the decompressing thread, if any, before the caller disposes the file under it.
            _input.Dispose();
            throw;
        }
    }

    public string File { get; }

    public bool IsGzip => _input.IsGzip;

    /// <summary>The capture is decompressed on a second thread.</summary>
    internal bool InflatesAhead => _input.InflatesAhead;

    public ushort MajorVersion { get; private set; }

    public ushort MinorVersion { get; private set; }

    /// <summary>Block type of the last event returned.</summary>
    public uint BlockType { get; private set; }

    /// <summary>Offset (in the decompressed capture) of the block of the last event returned.</summary>
    public long BlockOffset { get; private set; }

    /// <summary>
    /// Reads up to the next event of a known type. Returns false at the end of the capture; throws
    /// <see cref="ScapFormatException"/> at damage (and keeps returning false afterwards).
    /// </summary>
    public bool ReadEvent(out RawEvent ev, out EventInfo info)
    {
        while (!_done)
        {
            long offset = _input.FileOffset;
            if (!Ensure(8, 0))
            {
                _done = true;
                if (_input.Available != 0)
                {
                    throw Damage(ScapErrorKind.Truncated, offset, 0, "the file ends inside a block header");
                }

                _input.VerifyComplete();
                break;
            }

            byte[] w = _input.Window;
            int at = _input.Position;
            uint type = BinaryPrimitives.ReadUInt32LittleEndian(w.AsSpan(at));
            uint length = BinaryPrimitives.ReadUInt32LittleEndian(w.AsSpan(at + 4));
            if (length < 12 || (length & 3) != 0 || length > MaxBlockLength)
            {
                throw Damage(ScapErrorKind.BadBlockLength, offset, type, "block length {0} is invalid", length);
            }

            int total = (int)length;
            if (!Ensure(total, type))
            {
                throw Damage(ScapErrorKind.Truncated, offset, type, "the file ends inside a block of {0} bytes", total);
            }

            w = _input.Window;
            at = _input.Position;
            uint trailer = BinaryPrimitives.ReadUInt32LittleEndian(w.AsSpan(at + total - 4));
            if (trailer != length)
            {
                throw Damage(ScapErrorKind.BadBlockLength, offset, type, "block length {0} differs from its trailer {1}", length, trailer);
            }

            _input.Advance(total);
            if (BlockTypes.IsEvent(type))
            {
                if (DecodeEvent(w, at, total, type, out ev, out info))
                {
                    BlockType = type;
                    BlockOffset = offset;
                    return true;
                }
            }
            else
            {
                ReadMetadata(w.AsSpan(at + 8, total - 12), type, offset);
            }
        }

        ev = default;
        info = null!;
        return false;
    }

    private bool DecodeEvent(byte[] w, int at, int total, uint type, out RawEvent ev, out EventInfo info)
    {
        bool flagged = type is BlockTypes.Evf or BlockTypes.EvfV2 or BlockTypes.EvfV2Large;
        bool v2 = type is BlockTypes.EvV2 or BlockTypes.EvV2Large or BlockTypes.EvfV2 or BlockTypes.EvfV2Large;
        int headerSize = v2 ? RawEvent.V2HeaderSize : RawEvent.V1HeaderSize;
        int eventAt = at + 10 + (flagged ? 4 : 0);
        int room = at + total - 4 - eventAt;
        long offset = _input.FileOffset - total;
        if (room < headerSize)
        {
            throw Damage(ScapErrorKind.CorruptBlock, offset, type, "the block is too short for an event header");
        }

        ushort cpu = BinaryPrimitives.ReadUInt16LittleEndian(w.AsSpan(at + 8));
        uint blockFlags = flagged ? BinaryPrimitives.ReadUInt32LittleEndian(w.AsSpan(at + 10)) : 0;
        uint evLength = BinaryPrimitives.ReadUInt32LittleEndian(w.AsSpan(eventAt + 16));
        ushort evType = BinaryPrimitives.ReadUInt16LittleEndian(w.AsSpan(eventAt + 20));
        if (evLength < headerSize || evLength > room)
        {
            throw Damage(ScapErrorKind.CorruptBlock, offset, type, "event length {0} does not fit the block", evLength);
        }

        if (!EventTable.TryGet(evType, out EventInfo? known))
        {
            ev = default;
            info = null!;
            return false;
        }

        bool wide = (known.Flags & EventFlags.LargePayload) != 0;
        int lengthSize = wide ? 4 : 2;
        int fileParams;
        if (v2)
        {
            uint stored = BinaryPrimitives.ReadUInt32LittleEndian(w.AsSpan(eventAt + 22));
            if (stored > (evLength - headerSize) / (uint)lengthSize)
            {
                throw Damage(ScapErrorKind.CorruptBlock, offset, type, "{0} parameters do not fit an event of {1} bytes", stored, evLength);
            }

            fileParams = (int)stored;
            if (!ParamsFit(w, eventAt, headerSize, fileParams, wide, (int)evLength, exact: false))
            {
                throw Damage(ScapErrorKind.CorruptBlock, offset, type, "the parameter lengths exceed the event length");
            }
        }
        else
        {
            fileParams = DeriveParamCount(w, eventAt, known, wide, (int)evLength);
            if (fileParams < 0)
            {
                throw Damage(ScapErrorKind.CorruptBlock, offset, type, "cannot derive the parameter count of event type {0}", evType);
            }
        }

        int usable = Math.Min(fileParams, known.ParamCount);
        ev = new RawEvent(w, eventAt, headerSize, fileParams, usable, wide, cpu, blockFlags);
        info = known;
        return true;
    }

    /// <summary>
    /// v1 blocks store no parameter count: like libscap, start from the table's count (sysdig 0.29.3's
    /// where it has one, since old writers used old tables) and take the first count whose lengths
    /// add up to the event length exactly.
    /// </summary>
    private static int DeriveParamCount(byte[] w, int eventAt, EventInfo info, bool wide, int evLength)
    {
        int n = info.SysdigParamCount >= 0 ? info.SysdigParamCount : info.ParamCount;
        if (info.Id is EventIds.NotificationE or EventIds.InfrastructureEventE)
        {
            // Old writers stored these three bytes too long.
            evLength -= 3;
        }

        for (; n >= 0; n--)
        {
            if (ParamsFit(w, eventAt, RawEvent.V1HeaderSize, n, wide, evLength, exact: true))
            {
                return n;
            }
        }

        return -1;
    }

    private static bool ParamsFit(byte[] w, int eventAt, int headerSize, int count, bool wide, int evLength, bool exact)
    {
        long used = headerSize + ((long)count * (wide ? 4 : 2));
        if (used > evLength)
        {
            return false;
        }

        int p = eventAt + headerSize;
        for (int i = 0; i < count; i++)
        {
            used += wide ? BinaryPrimitives.ReadUInt32LittleEndian(w.AsSpan(p + (4 * i))) : BinaryPrimitives.ReadUInt16LittleEndian(w.AsSpan(p + (2 * i)));
            if (used > evLength)
            {
                return false;
            }
        }

        return !exact || used == evLength;
    }

    private void ReadSectionHeader()
    {
        if (!_input.Ensure(ShbFixedLength, BlockTypes.Shb))
        {
            throw Damage(_input.Available >= 4 && BinaryPrimitives.ReadUInt32LittleEndian(_input.Window.AsSpan(_input.Position)) != BlockTypes.Shb
                ? ScapErrorKind.BadMagic : ScapErrorKind.Truncated, 0, BlockTypes.Shb, "the file is too short for a section header");
        }

        ReadOnlySpan<byte> head = _input.Window.AsSpan(_input.Position, ShbFixedLength);
        uint type = BinaryPrimitives.ReadUInt32LittleEndian(head);
        uint length = BinaryPrimitives.ReadUInt32LittleEndian(head[4..]);
        uint magic = BinaryPrimitives.ReadUInt32LittleEndian(head[8..]);
        if (type != BlockTypes.Shb || magic != BlockTypes.ByteOrderMagic)
        {
            throw Damage(ScapErrorKind.BadMagic, 0, type, "not a scap capture (wrong section header magic)");
        }

        MajorVersion = BinaryPrimitives.ReadUInt16LittleEndian(head[12..]);
        MinorVersion = BinaryPrimitives.ReadUInt16LittleEndian(head[14..]);
        if (MajorVersion != 1)
        {
            throw Damage(ScapErrorKind.UnsupportedVersion, 0, type, "format version {0}.{1} is not supported (major version 1 expected)", MajorVersion, MinorVersion);
        }

        if (length < ShbFixedLength || (length & 3) != 0 || length > MaxBlockLength)
        {
            throw Damage(ScapErrorKind.BadBlockLength, 0, type, "section header length {0} is invalid", length);
        }

        // pcapng options (comments, application name) may follow the fixed part; skip them by length.
        if (!_input.Ensure((int)length, type))
        {
            throw Damage(ScapErrorKind.Truncated, 0, type, "the file ends inside the section header");
        }

        uint trailer = BinaryPrimitives.ReadUInt32LittleEndian(_input.Window.AsSpan(_input.Position + (int)length - 4));
        if (trailer != length)
        {
            throw Damage(ScapErrorKind.BadBlockLength, 0, type, "section header length {0} differs from its trailer {1}", length, trailer);
        }

        _input.Advance((int)length);
    }

    private void ReadMetadata(ReadOnlySpan<byte> body, uint type, long offset)
    {
        try
        {
            ReadMetadataBlock(body, type, offset);
        }
        catch (ScapFormatException)
        {
            _done = true;
            throw;
        }
    }

    private void ReadMetadataBlock(ReadOnlySpan<byte> body, uint type, long offset)
    {
        var parser = new MetadataParser(File, offset, type);
        int plVersion = BlockTypes.ProcessListVersion(type);
        if (plVersion != 0)
        {
            parser.ReadProcessList(body, plVersion, _sink);
            return;
        }

        switch (type)
        {
            case BlockTypes.Mi or BlockTypes.MiInt:
                _sink.OnMachineInfo(MetadataParser.ReadMachineInfo(body));
                break;
            case BlockTypes.Fdl or BlockTypes.FdlInt or BlockTypes.FdlV2:
                parser.ReadFdList(body, type == BlockTypes.FdlV2, _sink);
                break;
            case BlockTypes.Il or BlockTypes.IlInt or BlockTypes.IlV2:
                parser.ReadInterfaceList(body, type == BlockTypes.IlV2, _sink);
                break;
            case BlockTypes.Ul or BlockTypes.UlInt or BlockTypes.UlV2:
                parser.ReadUserList(body, type == BlockTypes.UlV2, _sink);
                break;
            default:
                // Unknown block types are skipped by length, as libscap does.
                break;
        }
    }

    /// <summary>Makes <paramref name="count"/> bytes available; a read that fails (gzip damage, I/O) stops the reader too.</summary>
    private bool Ensure(int count, uint blockType) => _input.Available >= count || Refill(count, blockType);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool Refill(int count, uint blockType)
    {
        try
        {
            return _input.Ensure(count, blockType);
        }
        catch (ScapFormatException)
        {
            _done = true;
            throw;
        }
    }

    /// <summary>
    /// The error for damage at <paramref name="offset"/>; the reader stops there. The detail is a
    /// format with up to two numbers, so the hot paths that may throw carry no string building.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private ScapFormatException Damage(ScapErrorKind kind, long offset, uint type, string detail, long a = 0, long b = 0)
    {
        _done = true;
        return new(kind, File, offset, type, string.Format(CultureInfo.InvariantCulture, detail, a, b));
    }

    public void Dispose() => _input.Dispose();
}
