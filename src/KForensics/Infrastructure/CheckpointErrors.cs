using System.Management.Automation;
using KForensics.Core.Checkpoints.Inspection;
using KForensics.Core.Criu;

namespace KForensics.Infrastructure;

/// <summary>One mapping from unreadable checkpoints to stable error ids, for every cmdlet that looks inside one.</summary>
internal static class CheckpointErrors
{
    public static ErrorRecord ToErrorRecord(CheckpointInspectionException ex, string checkpoint)
    {
        (string id, ErrorCategory category) = ex.Kind switch
        {
            CheckpointInspectionErrorKind.NotACheckpoint => (ErrorIds.NotACheckpoint, ErrorCategory.InvalidArgument),
            CheckpointInspectionErrorKind.InvalidMetadata => (ErrorIds.CheckpointMetadataInvalid, ErrorCategory.InvalidData),
            CheckpointInspectionErrorKind.ArchiveUnsafe => (ErrorIds.CheckpointArchiveUnsafePath, ErrorCategory.SecurityError),
            CheckpointInspectionErrorKind.ArchiveInvalid => (ErrorIds.CheckpointArchiveInvalid, ErrorCategory.InvalidData),
            CheckpointInspectionErrorKind.ProcessNotFound => (ErrorIds.CheckpointProcessNotFound, ErrorCategory.ObjectNotFound),
            CheckpointInspectionErrorKind.TargetExists => (ErrorIds.CheckpointMemoryTargetExists, ErrorCategory.ResourceExists),
            _ => (ErrorIds.CheckpointMetadataInvalid, ErrorCategory.InvalidData),
        };
        var record = new ErrorRecord(ex, id, category, ex.Target ?? checkpoint);
        return ex.Kind == CheckpointInspectionErrorKind.TargetExists ? ErrorRecords.WithAdvice(record, "Use -Force to replace it.") : record;
    }

    public static ErrorRecord ToErrorRecord(CriuImageException ex, string checkpoint)
    {
        (string id, ErrorCategory category) = ex.Kind switch
        {
            CriuImageErrorKind.Missing => (ErrorIds.CriuImageMissing, ErrorCategory.ObjectNotFound),
            CriuImageErrorKind.Truncated => (ErrorIds.CriuImageTruncated, ErrorCategory.InvalidData),
            CriuImageErrorKind.BadMagic => (ErrorIds.CriuImageBadMagic, ErrorCategory.InvalidData),
            CriuImageErrorKind.BadLength => (ErrorIds.CriuImageBadLength, ErrorCategory.InvalidData),
            CriuImageErrorKind.UnsupportedVersion => (ErrorIds.CriuImageUnsupportedVersion, ErrorCategory.NotImplemented),
            CriuImageErrorKind.MissingPages => (ErrorIds.CriuPagesMissing, ErrorCategory.ObjectNotFound),
            _ => (ErrorIds.CriuImageInvalid, ErrorCategory.InvalidData),
        };
        return ErrorRecords.Create(ex, id, category, ex.FilePath,
            "The checkpoint '" + checkpoint + "' is damaged or incomplete; compare its SHA-256 with the one recorded when it was acquired.");
    }
}
