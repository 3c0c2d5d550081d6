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
        var record = new ErrorRecord(ex, id, category, ex.File);
        record.ErrorDetails = new ErrorDetails(ex.Message)
        {
            RecommendedAction = ex.Kind == ScapErrorKind.UnsupportedVersion
                ? "Read the capture with a newer tool; this format version is not supported."
                : partialResult,
        };
        return record;
    }
}
