namespace KForensics.Core.Criu;

/// <summary>Why a CRIU image could not be read.</summary>
public enum CriuImageErrorKind
{
    /// <summary>An image the reader needs is not in the images directory.</summary>
    Missing,

    /// <summary>The file ends inside its magic, an entry's length or an entry.</summary>
    Truncated,

    /// <summary>The file does not begin with the magic its name calls for.</summary>
    BadMagic,

    /// <summary>An entry's length is larger than any entry CRIU writes.</summary>
    BadLength,

    /// <summary>An entry is not a valid protobuf message of the image's type.</summary>
    InvalidMessage,

    /// <summary>The images are of a format version this reader does not read.</summary>
    UnsupportedVersion,

    /// <summary>The pagemap points at pages that the pages image does not hold.</summary>
    MissingPages,
}

/// <summary>A CRIU image that cannot be read as CRIU wrote it; names the file and, where known, the byte offset.</summary>
public sealed class CriuImageException : Exception
{
    public CriuImageException(CriuImageErrorKind kind, string message, string filePath, long? offset = null, Exception? innerException = null)
        : base(message, innerException)
    {
        Kind = kind;
        FilePath = filePath;
        Offset = offset;
    }

    public CriuImageErrorKind Kind { get; }

    /// <summary>The image file (full path).</summary>
    public string FilePath { get; }

    /// <summary>The byte offset in the file where reading failed, when it failed inside the file.</summary>
    public long? Offset { get; }
}
