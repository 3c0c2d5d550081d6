namespace KForensics.Core.Evidence.Storage;

/// <summary>Why evidence could not be stored.</summary>
public enum StorageFailure
{
    DestinationInvalid,
    Unauthorized,
    Forbidden,
    ConnectionFailed,
    ContainerNotFound,
    BlobExists,
    Immutable,
    HashMismatch,

    /// <summary>Stored and verified, but the retention or legal hold asked for is not on the blob.</summary>
    RetentionNotApplied,
    Failed,
}

/// <summary>A failure to store evidence; <see cref="Failure"/> says which, the message says what to do.</summary>
public sealed class StorageException : Exception
{
    public StorageException(StorageFailure failure, string message, Exception? inner = null)
        : base(message, inner)
    {
        Failure = failure;
    }

    public StorageFailure Failure { get; }
}
