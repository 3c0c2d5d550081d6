namespace KForensics.Core.Evidence;

/// <summary>Why an evidence archive was refused.</summary>
public enum ArchiveErrorKind
{
    /// <summary>Not a readable (compressed) tar archive, or damaged.</summary>
    Invalid,

    /// <summary>A member would land outside the extraction directory, or is of a kind evidence never holds.</summary>
    UnsafePath,
}

/// <summary>An archive that cannot be unpacked safely, with the member or file concerned.</summary>
public sealed class ArchiveException : Exception
{
    public ArchiveException(ArchiveErrorKind kind, string message, string? target = null, Exception? inner = null)
        : base(message, inner)
    {
        Kind = kind;
        Target = target;
    }

    public ArchiveErrorKind Kind { get; }

    /// <summary>The member (or archive) the failure concerns.</summary>
    public string? Target { get; }
}
