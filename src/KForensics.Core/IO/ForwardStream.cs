namespace KForensics.Core.IO;

/// <summary>
/// A stream that goes front to back only: it cannot seek, and has no length or position unless a derived stream
/// knows them. <see cref="ForwardReadStream"/> and <see cref="ForwardWriteStream"/> add the direction.
/// </summary>
internal abstract class ForwardStream : Stream
{
    public sealed override bool CanSeek => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public sealed override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public sealed override void SetLength(long value) => throw new NotSupportedException();
}
