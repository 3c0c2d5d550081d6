namespace KForensics.Core.Docker;

/// <summary>Why a Docker or checkpoint operation failed; the cmdlet layer maps each kind to a stable error id.</summary>
public enum DockerErrorKind
{
    ApiError,
    InvalidHost,
    ConnectionFailed,
    ContainerNotFound,
    CheckpointNotFound,
    ExperimentalDisabled,
    CriuFailed,
    NameInUse,
    ContainerRunning,
    ContainerNotRunning,
    StagingUnavailable,
    CheckpointFilesUnreachable,
    ArchiveHashMismatch,
    ArchiveUnsafePath,
    ArchiveInvalid,
    TargetExists,
    ImageMissing,
}

/// <summary>A failure the user can act on, with the kind, the object it concerns and the engine's own words.</summary>
public sealed class DockerEngineException : Exception
{
    public DockerEngineException(DockerErrorKind kind, string message, string? target = null, Exception? inner = null)
        : base(message, inner)
    {
        Kind = kind;
        Target = target;
    }

    public DockerErrorKind Kind { get; }

    public string? Target { get; }
}
