namespace KForensics.Core.Kubernetes;

/// <summary>A write-only stream that writes every byte to two streams, in order.</summary>
internal sealed class TeeWriteStream : Stream
{
    private readonly Stream _first;
    private readonly Stream _second;

    public TeeWriteStream(Stream first, Stream second)
    {
        _first = first;
        _second = second;
    }

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override void Write(byte[] buffer, int offset, int count)
    {
        _first.Write(buffer, offset, count);
        _second.Write(buffer, offset, count);
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await _first.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
        await _second.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush()
    {
        _first.Flush();
        _second.Flush();
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
