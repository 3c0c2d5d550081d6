using KForensics.Core.IO;

namespace KForensics.Core.Kubernetes;

/// <summary>A write-only stream that writes every byte to two streams, in order.</summary>
internal sealed class TeeWriteStream : ForwardWriteStream
{
    private readonly Stream _first;
    private readonly Stream _second;

    public TeeWriteStream(Stream first, Stream second)
    {
        _first = first;
        _second = second;
    }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        _first.Write(buffer);
        _second.Write(buffer);
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await _first.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
        await _second.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
    }

    public override void Flush()
    {
        _first.Flush();
        _second.Flush();
    }
}
