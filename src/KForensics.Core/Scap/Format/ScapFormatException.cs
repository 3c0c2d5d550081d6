using System.Globalization;

namespace KForensics.Core.Scap.Format;

/// <summary>What went wrong in a capture; stable, so callers can map it to an error id.</summary>
public enum ScapErrorKind
{
    /// <summary>The file ends inside a block or before the section header is complete.</summary>
    Truncated,

    /// <summary>The section header has the wrong block type or byte-order magic.</summary>
    BadMagic,

    /// <summary>The section header announces a major version this reader does not know.</summary>
    UnsupportedVersion,

    /// <summary>A block length is zero, not a multiple of 4, too large, or its trailer differs.</summary>
    BadBlockLength,

    /// <summary>A block's content does not fit its own length fields.</summary>
    CorruptBlock,

    /// <summary>The gzip stream is damaged or ends early.</summary>
    CorruptCompression,

    /// <summary>The operating system failed to read the file.</summary>
    ReadFailed,
}

/// <summary>
/// A capture could not be read past some point. Events before <see cref="Offset"/> have already been
/// delivered; the reader stops after throwing this.
/// </summary>
public sealed class ScapFormatException : Exception
{
    public ScapFormatException(ScapErrorKind kind, string file, long offset, uint blockType, string detail, Exception? inner = null)
        : base(BuildMessage(kind, file, offset, blockType, detail), inner)
    {
        Kind = kind;
        File = file;
        Offset = offset;
        BlockType = blockType;
        Detail = detail;
    }

    public ScapErrorKind Kind { get; }

    /// <summary>The capture file (or the name given to the reader).</summary>
    public string File { get; }

    /// <summary>Byte offset of the damaged block in the uncompressed capture (for gzip files: in the decompressed stream).</summary>
    public long Offset { get; }

    /// <summary>The block type at <see cref="Offset"/>; 0 when the block header itself could not be read.</summary>
    public uint BlockType { get; }

    /// <summary>The block type's name, e.g. <c>EV_V2</c>, or its hex value when unknown.</summary>
    public string BlockTypeName => BlockTypes.Name(BlockType);

    /// <summary>The cause without the location.</summary>
    public string Detail { get; }

    private static string BuildMessage(ScapErrorKind kind, string file, long offset, uint blockType, string detail)
        => string.Format(CultureInfo.InvariantCulture, "{0}: {1} at byte offset {2} (block {3}): {4}",
            file, kind, offset, BlockTypes.Name(blockType), detail);
}
