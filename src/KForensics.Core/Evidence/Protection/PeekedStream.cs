namespace KForensics.Core.Evidence.Protection;

/// <summary>
/// A forward-only stream whose first byte has been read to tell binary OpenPGP from armor; it gives that byte
/// back before the rest, so a hashing stream underneath sees every byte exactly once.
/// </summary>
internal sealed class PeekedStream : Stream
{
    private readonly Stream _inner;
    private int _first;

    public PeekedStream(Stream inner)
    {
        _inner = inner;
        _first = inner.ReadByte();
        First = _first;
    }

    /// <summary>The first byte, or -1 for an empty stream.</summary>
    public int First { get; }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (buffer.IsEmpty)
        {
            return 0;
        }

        if (_first >= 0)
        {
            buffer[0] = (byte)_first;
            _first = -1;
            return 1 + (buffer.Length > 1 ? _inner.Read(buffer[1..]) : 0);
        }

        return _inner.Read(buffer);
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
