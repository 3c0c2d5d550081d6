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

/// <summary>What the user can change to get past a failure, when the kind alone does not say it; the cmdlet layer words it.</summary>
public enum DockerRemedy
{
    None,

    /// <summary>Restore the clone with a network, so that the sockets bound to its addresses can live.</summary>
    GiveCloneNetwork,

    /// <summary>Run where the engine's files are (its host), since a remote engine cannot be given them.</summary>
    RunOnEngineHost,
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

    /// <summary>What the user can change, when the kind alone does not say it.</summary>
    public DockerRemedy Remedy { get; init; }

    public string? Target { get; }
}
