using KForensics.Core.IO;

namespace KForensics.Core.Evidence.Protection;

/// <summary>
/// A forward-only stream whose first bytes have been read to tell the formats apart (binary OpenPGP, armor,
/// CMS in DER, PEM or S/MIME); it gives those bytes back before the rest, so a hashing stream underneath sees
/// every byte exactly once.
/// </summary>
internal sealed class PeekedStream : ForwardReadStream
{
    private readonly Stream _inner;
    private readonly byte[] _head;
    private int _next;

    public PeekedStream(Stream inner, int count = 1)
    {
        _inner = inner;
        byte[] head = new byte[count];
        int n = 0;
        int read;
        while (n < count && (read = inner.Read(head, n, count - n)) > 0)
        {
            n += read;
        }

        _head = head[..n];
    }

    /// <summary>The bytes peeked (fewer than asked for a short stream).</summary>
    public ReadOnlySpan<byte> Head => _head;

    /// <summary>The first byte, or -1 for an empty stream.</summary>
    public int First => _head.Length == 0 ? -1 : _head[0];

    public override int Read(Span<byte> buffer)
    {
        if (buffer.IsEmpty)
        {
            return 0;
        }

        if (_next < _head.Length)
        {
            int n = Math.Min(buffer.Length, _head.Length - _next);
            _head.AsSpan(_next, n).CopyTo(buffer);
            _next += n;
            return n;
        }

        return _inner.Read(buffer);
    }
}
