namespace KForensics.Core.IO;

/// <summary>
/// A stream that can only be written, front to back, so that one only implements <see cref="Stream.Write(ReadOnlySpan{byte})"/>
/// and <see cref="Stream.Flush"/> (and <see cref="ForwardStream.Length"/> and <see cref="ForwardStream.Position"/> where it knows them).
/// </summary>
internal abstract class ForwardWriteStream : ForwardStream
{
    public sealed override bool CanRead => false;

    public sealed override bool CanWrite => true;

    public sealed override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public abstract override void Write(ReadOnlySpan<byte> buffer);

    public sealed override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public sealed override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
