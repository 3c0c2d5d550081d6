namespace KForensics.Core.Checkpoints.Inspection;

/// <summary>Why a checkpoint could not be inspected.</summary>
public enum CheckpointInspectionErrorKind
{
    /// <summary>The path is neither a CRIU images directory nor an archive with a checkpoint/ directory.</summary>
    NotACheckpoint,

    /// <summary>A metadata file (config.dump, spec.dump, ...) is not what its layout says.</summary>
    InvalidMetadata,

    /// <summary>The archive cannot be unpacked safely or is damaged.</summary>
    ArchiveInvalid,

    /// <summary>A member would leave the private extraction directory.</summary>
    ArchiveUnsafe,

    /// <summary>The checkpoint has no process with the requested id.</summary>
    ProcessNotFound,

    /// <summary>The output file exists and replacing it was not asked for.</summary>
    TargetExists,
}

/// <summary>A checkpoint that cannot be read as asked, with the file or member concerned.</summary>
public sealed class CheckpointInspectionException : Exception
{
    public CheckpointInspectionException(CheckpointInspectionErrorKind kind, string message, string? target = null, Exception? inner = null)
        : base(message, inner)
    {
        Kind = kind;
        Target = target;
    }

    public CheckpointInspectionErrorKind Kind { get; }

    public string? Target { get; }
}
