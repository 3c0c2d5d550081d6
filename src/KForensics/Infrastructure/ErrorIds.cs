namespace KForensics.Infrastructure;

/// <summary>
/// Every error id KForensics raises. The ids are part of the public contract: scripts match on
/// <c>$_.FullyQualifiedErrorId</c>, so an id is never renamed or reused.
/// </summary>
public static class ErrorIds
{
    // Input paths
    public const string PathNotFound = "PathNotFound";
    public const string PathIsDirectory = "PathIsDirectory";

    // Capture reading (Get-ScapEvent and everything that reads captures)
    public const string ScapOpenFailed = "ScapOpenFailed";
    public const string ScapTruncated = "ScapTruncated";
    public const string ScapBadMagic = "ScapBadMagic";
    public const string ScapUnsupportedVersion = "ScapUnsupportedVersion";
    public const string ScapBadBlockLength = "ScapBadBlockLength";
    public const string ScapCorruptBlock = "ScapCorruptBlock";
    public const string ScapCorruptCompression = "ScapCorruptCompression";
    public const string ScapReadFailed = "ScapReadFailed";

    // Filters (Get-ScapEvent -Filter and every cmdlet that takes a filter; Get-ScapField)
    public const string FilterInvalid = "FilterInvalid";
    public const string FieldNotFound = "FieldNotFound";
}
