using System.Management.Automation;
using KForensics.Core.Evidence.Storage;

namespace KForensics.Infrastructure;

/// <summary>Maps storage failures to error records with the module's ids and categories.</summary>
internal static class StorageErrors
{
    public static ErrorRecord ToErrorRecord(StorageException e, object target) => e.Failure switch
    {
        StorageFailure.DestinationInvalid => ErrorRecords.Create(e, ErrorIds.EvidenceDestinationInvalid, ErrorCategory.InvalidArgument, target),
        StorageFailure.Unauthorized => ErrorRecords.Create(e, ErrorIds.EvidenceStorageUnauthorized, ErrorCategory.AuthenticationError, target),
        StorageFailure.Forbidden => ErrorRecords.Create(e, ErrorIds.EvidenceStorageForbidden, ErrorCategory.PermissionDenied, target),
        StorageFailure.ConnectionFailed => ErrorRecords.Create(e, ErrorIds.EvidenceStorageConnectionFailed, ErrorCategory.ConnectionError, target),
        StorageFailure.ContainerNotFound => ErrorRecords.Create(e, ErrorIds.EvidenceContainerNotFound, ErrorCategory.ObjectNotFound, target),
        StorageFailure.BlobExists => ErrorRecords.WithAdvice(ErrorRecords.Create(e, ErrorIds.EvidenceBlobExists, ErrorCategory.ResourceExists, target),
            "Use -Force to replace it (a WORM container refuses even then)."),
        StorageFailure.Immutable => ErrorRecords.WithAdvice(ErrorRecords.Create(e, ErrorIds.EvidenceBlobImmutable, ErrorCategory.PermissionDenied, target),
            "Not even -Force replaces it."),
        StorageFailure.HashMismatch => ErrorRecords.Create(e, ErrorIds.EvidenceUploadHashMismatch, ErrorCategory.InvalidResult, target),
        StorageFailure.RetentionNotApplied => ErrorRecords.Create(e, ErrorIds.EvidenceRetentionNotApplied, ErrorCategory.InvalidResult, target),
        _ => ErrorRecords.Create(e, ErrorIds.EvidenceUploadFailed, ErrorCategory.WriteError, target),
    };

    /// <summary>The destination of -Destination (and -ConnectionString), checked before anything is sent, or a terminating error.</summary>
    public static async Task<BlobDestination> ConnectAsync(AsyncCmdlet cmdlet, string destination, string? connectionString, string? managedIdentityClientId,
        CancellationToken cancellationToken)
    {
        cmdlet.ListenToAzureSdk();
        try
        {
            BlobDestination target = connectionString is null
                ? BlobDestination.FromUrl(destination, managedIdentityClientId)
                : BlobDestination.FromConnectionString(connectionString, destination);
            if (target.MissingSasPermissions() is string missing)
            {
                throw new StorageException(StorageFailure.Forbidden, missing);
            }

            string immutability = await EvidenceUploader.CheckContainerAsync(target, cancellationToken);
            cmdlet.WriteVerbose($"Destination {target.Url} ({target.Authentication}); immutability: {immutability}.");
            return target;
        }
        catch (StorageException e)
        {
            cmdlet.ThrowTerminatingError(ToErrorRecord(e, BlobDestination.Redact(destination)));
            throw;
        }
    }
}
