using System.Management.Automation;
using KForensics.Core.Scap.Format;

namespace KForensics.Infrastructure;

/// <summary>One mapping from capture damage to stable error ids, shared by every cmdlet that reads captures.</summary>
internal static class ScapErrors
{
    public static ErrorRecord ToErrorRecord(ScapFormatException ex, string partialResult)
    {
        (string id, ErrorCategory category) = ex.Kind switch
        {
            ScapErrorKind.Truncated => (ErrorIds.ScapTruncated, ErrorCategory.InvalidData),
            ScapErrorKind.BadMagic => (ErrorIds.ScapBadMagic, ErrorCategory.InvalidData),
            ScapErrorKind.UnsupportedVersion => (ErrorIds.ScapUnsupportedVersion, ErrorCategory.NotImplemented),
            ScapErrorKind.BadBlockLength => (ErrorIds.ScapBadBlockLength, ErrorCategory.InvalidData),
            ScapErrorKind.CorruptBlock => (ErrorIds.ScapCorruptBlock, ErrorCategory.InvalidData),
            ScapErrorKind.CorruptCompression => (ErrorIds.ScapCorruptCompression, ErrorCategory.InvalidData),
            _ => (ErrorIds.ScapReadFailed, ErrorCategory.ReadError),
        };
        return ErrorRecords.Create(ex, id, category, ex.File, ex.Kind == ScapErrorKind.UnsupportedVersion
            ? "Read the capture with a newer tool; this format version is not supported."
            : partialResult);
    }

    /// <summary>The failures that mean the file itself could not be read (an I/O error, no permission), not that it is damaged.</summary>
    public static bool IsReadFailure(Exception ex) => ex is IOException or UnauthorizedAccessException;

    /// <summary>An I/O failure on a capture: <see cref="ErrorIds.ScapOpenFailed"/> before its first event, <see cref="ErrorIds.ScapReadFailed"/> after.</summary>
    public static ErrorRecord ReadFailed(string file, Exception ex, string errorId)
        => ErrorRecords.Create(ErrorRecords.Format("Cannot read '{0}': {1}", file, ex.Message), errorId, ErrorCategory.ReadError, file, ex);
}
