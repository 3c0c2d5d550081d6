using System.Buffers.Binary;
using System.IO.Compression;
using System.Runtime.CompilerServices;
using KForensics.Core.IO;
using KForensics.Core.Scap.Format;

namespace KForensics.Core.Scap.Reading;

/// <summary>
/// The decompressed byte stream of a capture behind one reusable window buffer. Blocks are parsed in
/// place from the window; it only grows when a single block is larger than the window.
/// </summary>
internal sealed class ScapInput : IDisposable
{
    private const int InitialWindow = 1 << 18;

    private readonly Stream _raw;
    private readonly Stream _data;
    private readonly string _file;
    private byte[] _window = new byte[InitialWindow];
    private int _start;
    private int _end;
    private long _windowFileOffset;
    private bool _eof;

    /// <param name="raw">The capture file's bytes; owned.</param>
    /// <param name="file">The capture's name, for errors.</param>
    /// <param name="inflateAhead">For a gzip capture: decompress on a second thread (see <see cref="ReadAheadStream"/>).</param>
    public ScapInput(Stream raw, string file, bool inflateAhead = false)
    {
        _raw = raw;
        _file = file;
        IsGzip = PeekGzipMagic(raw, out byte[] head, out int headLength);
        Stream source = headLength > 0 ? new PrefixedStream(head, headLength, raw) : raw;
        if (IsGzip)
        {
            var inflate = new GZipStream(source, CompressionMode.Decompress, leaveOpen: false);
            _data = inflateAhead ? new ReadAheadStream(inflate) : inflate;
        }
        else
        {
            _data = source;
        }
    }

    /// <summary>The file is a gzip stream (detected by its first two bytes, not by name).</summary>
    public bool IsGzip { get; }

    /// <summary>The capture is decompressed on a second thread.</summary>
    public bool InflatesAhead => _data is ReadAheadStream;

    public byte[] Window => _window;

    /// <summary>Offset in <see cref="Window"/> of the next unread byte.</summary>
    public int Position => _start;

    /// <summary>Offset in the decompressed capture of the next unread byte.</summary>
    public long FileOffset => _windowFileOffset + _start;

    public int Available => _end - _start;

    /// <summary>
    /// Makes <paramref name="count"/> bytes available at <see cref="Position"/>. Returns false when the
    /// capture ends first (the bytes that do exist stay available).
    /// </summary>
    public bool Ensure(int count, uint blockType) => _end - _start >= count || Fill(count, blockType);

    /// <summary>The slow path of <see cref="Ensure"/>: moves the unread bytes to the front (or a larger window) and reads.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool Fill(int count, uint blockType)
    {
        if (count > _window.Length - _start)
        {
            int live = _end - _start;
            byte[] target = count > _window.Length ? new byte[Math.Max(count, _window.Length * 2)] : _window;
            Buffer.BlockCopy(_window, _start, target, 0, live);
            _window = target;
            _windowFileOffset += _start;
            _start = 0;
            _end = live;
        }

        while (_end - _start < count && !_eof)
        {
            int read = ReadSource(_window, _end, _window.Length - _end, blockType);
            if (read == 0)
            {
                _eof = true;
                break;
            }

            _end += read;
        }

        return _end - _start >= count;
    }

    public void Advance(int count) => _start += count;

    /// <summary>
    /// After the capture reached its end: for gzip files, checks that the stream ended with its
    /// trailer (ISIZE), so a gzip file cut at a block boundary is still reported as damaged.
    /// Capture writers (zlib gzopen) write a single gzip member, whose ISIZE is the whole size.
    /// </summary>
    public void VerifyComplete()
    {
        if (!IsGzip || !_raw.CanSeek || _raw.Length < 8)
        {
            return;
        }

        long total = FileOffset;
        Span<byte> trailer = stackalloc byte[4];
        long keep = _raw.Position;
        try
        {
            _raw.Position = _raw.Length - 4;
            _raw.ReadExactly(trailer);
        }
        finally
        {
            _raw.Position = keep;
        }

        if (BinaryPrimitives.ReadUInt32LittleEndian(trailer) != (uint)total)
        {
            throw new ScapFormatException(ScapErrorKind.CorruptCompression, _file, total, 0,
                "the gzip stream ends without its trailer (the file is truncated)");
        }
    }

    private int ReadSource(byte[] buffer, int offset, int count, uint blockType)
    {
        try
        {
            return _data.Read(buffer, offset, count);
        }
        catch (InvalidDataException ex)
        {
            throw new ScapFormatException(ScapErrorKind.CorruptCompression, _file, _windowFileOffset + _end, blockType,
                "the gzip stream is damaged: " + ex.Message, ex);
        }
        catch (IOException ex)
        {
            throw new ScapFormatException(ScapErrorKind.ReadFailed, _file, _windowFileOffset + _end, blockType, ex.Message, ex);
        }
    }

    private static bool PeekGzipMagic(Stream raw, out byte[] head, out int headLength)
    {
        head = new byte[2];
        headLength = 0;
        while (headLength < 2)
        {
            int read = raw.Read(head, headLength, 2 - headLength);
            if (read == 0)
            {
                break;
            }

            headLength += read;
        }

        return headLength == 2 && head[0] == 0x1F && head[1] == 0x8B;
    }

    public void Dispose() => _data.Dispose();

    /// <summary>Gives back the bytes consumed to detect gzip, so neither path needs a seekable stream.</summary>
    private sealed class PrefixedStream(byte[] prefix, int prefixLength, Stream inner) : ForwardReadStream
    {
        private int _prefixPosition;

        public override int Read(Span<byte> buffer)
        {
            if (_prefixPosition < prefixLength)
            {
                int n = Math.Min(buffer.Length, prefixLength - _prefixPosition);
                prefix.AsSpan(_prefixPosition, n).CopyTo(buffer);
                _prefixPosition += n;
                return n;
            }

            return inner.Read(buffer);
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
