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

    // Capture export (Export-ScapEvent)
    public const string ScapExportTargetExists = "ScapExportTargetExists";
    public const string ScapExportTargetIsInput = "ScapExportTargetIsInput";
    public const string ScapExportReadFailed = "ScapExportReadFailed";
    public const string ScapExportWriteFailed = "ScapExportWriteFailed";

    // Capture report (Export-ScapReport)
    public const string ScapReportTargetExists = "ScapReportTargetExists";
    public const string ScapReportTargetIsInput = "ScapReportTargetIsInput";
    public const string ScapReportWriteFailed = "ScapReportWriteFailed";

    // Docker engine and container checkpoints
    public const string DockerHostInvalid = "DockerHostInvalid";
    public const string DockerConnectionFailed = "DockerConnectionFailed";
    public const string DockerApiError = "DockerApiError";
    public const string DockerExperimentalDisabled = "DockerExperimentalDisabled";
    public const string ContainerNotFound = "ContainerNotFound";
    public const string ContainerNameInUse = "ContainerNameInUse";
    public const string ContainerRunning = "ContainerRunning";
    public const string ContainerNotRunning = "ContainerNotRunning";
    public const string CheckpointNotFound = "CheckpointNotFound";
    public const string CriuFailed = "CriuFailed";
    public const string CheckpointStagingUnavailable = "CheckpointStagingUnavailable";
    public const string CheckpointFilesUnreachable = "CheckpointFilesUnreachable";
    public const string CheckpointArchiveHashMismatch = "CheckpointArchiveHashMismatch";
    public const string CheckpointArchiveUnsafePath = "CheckpointArchiveUnsafePath";
    public const string CheckpointArchiveInvalid = "CheckpointArchiveInvalid";
    public const string CheckpointExportTargetExists = "CheckpointExportTargetExists";
    public const string CheckpointExportPathReused = "CheckpointExportPathReused";
    public const string CheckpointExportWriteFailed = "CheckpointExportWriteFailed";
    public const string CloneNameTaken = "CloneNameTaken";

    // Checkpoint inspection (Get-ContainerCheckpoint -Path, Get-Checkpoint*, Search-/Export-CheckpointMemory, Compare-ContainerCheckpoint)
    public const string NotACheckpoint = "NotACheckpoint";
    public const string CheckpointMetadataInvalid = "CheckpointMetadataInvalid";
    public const string CheckpointProcessNotFound = "CheckpointProcessNotFound";
    public const string CheckpointMemoryTargetExists = "CheckpointMemoryTargetExists";
    public const string CheckpointMemoryWriteFailed = "CheckpointMemoryWriteFailed";
    public const string MemoryPatternInvalid = "MemoryPatternInvalid";
    public const string CriuImageMissing = "CriuImageMissing";
    public const string CriuImageTruncated = "CriuImageTruncated";
    public const string CriuImageBadMagic = "CriuImageBadMagic";
    public const string CriuImageBadLength = "CriuImageBadLength";
    public const string CriuImageInvalid = "CriuImageInvalid";
    public const string CriuImageUnsupportedVersion = "CriuImageUnsupportedVersion";
    public const string CriuPagesMissing = "CriuPagesMissing";

    // Falco rules (Import-FalcoRule, Get-ScapAlert, -Rule of Get-ScapSummary and Export-ScapReport)
    public const string FalcoRuleLoadFailed = "FalcoRuleLoadFailed";
    public const string FalcoRuleReadFailed = "FalcoRuleReadFailed";

    // Filters (Get-ScapEvent -Filter and every cmdlet that takes a filter; Get-ScapField)
    public const string FilterInvalid = "FilterInvalid";
    public const string FieldInvalid = "FieldInvalid";
    public const string FieldNotFound = "FieldNotFound";

    // Kubernetes (Start-PodCapture, Get-PodCapture, Remove-PodCapture)
    public const string KubeConfigInvalid = "KubeConfigInvalid";
    public const string KubeConnectionFailed = "KubeConnectionFailed";
    public const string KubeForbidden = "KubeForbidden";
    public const string KubeUnauthorized = "KubeUnauthorized";
    public const string KubeApiError = "KubeApiError";
    public const string PodNotFound = "PodNotFound";
    public const string PodNotScheduled = "PodNotScheduled";
    public const string NoPodMatchesSelector = "NoPodMatchesSelector";
    public const string NotACapturePod = "NotACapturePod";
    public const string CaptureTimeout = "CaptureTimeout";
    public const string CaptureFailed = "CaptureFailed";
    public const string CaptureEmpty = "CaptureEmpty";
    public const string CaptureInvalid = "CaptureInvalid";
    public const string CaptureHashMismatch = "CaptureHashMismatch";
    public const string CaptureCopyFailed = "CaptureCopyFailed";
    public const string CapturePodNotRemoved = "CapturePodNotRemoved";

    public const string NetworkWithoutClone = "NetworkWithoutClone";

    // Kubernetes checkpoints (New-PodCheckpoint, Get-PodCheckpoint, Remove-PodCheckpoint)
    public const string PodCheckpointUnavailable = "PodCheckpointUnavailable";
    public const string PodCheckpointForbidden = "PodCheckpointForbidden";
    public const string PodCheckpointFailed = "PodCheckpointFailed";
    public const string PodCheckpointTimeout = "PodCheckpointTimeout";
    public const string PodCheckpointHashMismatch = "PodCheckpointHashMismatch";
    public const string PodCheckpointCopyFailed = "PodCheckpointCopyFailed";
    public const string PodCheckpointTargetNotFound = "PodCheckpointTargetNotFound";
    public const string PodCheckpointHelperNotRemoved = "PodCheckpointHelperNotRemoved";
    public const string NoContainerToCheckpoint = "NoContainerToCheckpoint";
    public const string NodeGone = "NodeGone";
    public const string DiskFull = "DiskFull";
    public const string CheckpointImageMissing = "CheckpointImageMissing";

    // Evidence encryption (Protect-Evidence, Unprotect-Evidence, -Recipient of the producing cmdlets)
    public const string EvidenceRecipientInvalid = "EvidenceRecipientInvalid";
    public const string EvidenceKeyInvalid = "EvidenceKeyInvalid";
    public const string EvidenceWrongKey = "EvidenceWrongKey";
    public const string EvidenceNotEncrypted = "EvidenceNotEncrypted";
    public const string EvidenceTampered = "EvidenceTampered";
    public const string EvidenceNotIntegrityProtected = "EvidenceNotIntegrityProtected";
    public const string EvidenceManifestMismatch = "EvidenceManifestMismatch";
    public const string EvidenceTargetExists = "EvidenceTargetExists";
    public const string EvidenceWriteFailed = "EvidenceWriteFailed";

    // Evidence storage (Send-Evidence, -Destination of the producing cmdlets)
    public const string EvidenceDestinationInvalid = "EvidenceDestinationInvalid";
    public const string EvidenceStorageUnauthorized = "EvidenceStorageUnauthorized";
    public const string EvidenceStorageForbidden = "EvidenceStorageForbidden";
    public const string EvidenceStorageConnectionFailed = "EvidenceStorageConnectionFailed";
    public const string EvidenceContainerNotFound = "EvidenceContainerNotFound";
    public const string EvidenceBlobExists = "EvidenceBlobExists";
    public const string EvidenceBlobImmutable = "EvidenceBlobImmutable";
    public const string EvidenceUploadFailed = "EvidenceUploadFailed";
    public const string EvidenceUploadHashMismatch = "EvidenceUploadHashMismatch";
    public const string EvidenceRetentionNotApplied = "EvidenceRetentionNotApplied";
}
