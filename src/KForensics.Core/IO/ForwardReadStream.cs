namespace KForensics.Core.IO;

/// <summary>
/// A stream that can only be read, front to back, so that one only implements <see cref="Stream.Read(Span{byte})"/>
/// (and <see cref="ForwardStream.Length"/> and <see cref="ForwardStream.Position"/> where it knows them).
/// </summary>
internal abstract class ForwardReadStream : ForwardStream
{
    public sealed override bool CanRead => true;

    public sealed override bool CanWrite => false;

    public sealed override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public abstract override int Read(Span<byte> buffer);

    public sealed override void Flush()
    {
    }

    public sealed override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
