BeforeDiscovery {
    Import-Module $env:KF_MODULE_PATH -Force
}

BeforeAll {
    Import-Module $env:KF_MODULE_PATH -Force
    Import-Module (Join-Path $PSScriptRoot '../Setup/KForensics.TestSupport.psm1') -Force
    $script:type = (Get-Module KForensics).ImplementingAssembly.GetType('KForensics.Infrastructure.ErrorIds')
    $script:ids = @($script:type.GetFields([System.Reflection.BindingFlags]'Public, Static') | Where-Object IsLiteral | ForEach-Object { $_.GetRawConstantValue() })

    # The error ids are part of the public contract (scripts match on $_.FullyQualifiedErrorId): this pin
    # fails when one is renamed or removed, and names a new one until it is added here.
    $script:pinned = @(
        'PathNotFound', 'PathIsDirectory',
        'ScapOpenFailed', 'ScapTruncated', 'ScapBadMagic', 'ScapUnsupportedVersion', 'ScapBadBlockLength', 'ScapCorruptBlock',
        'ScapCorruptCompression', 'ScapReadFailed',
        'ScapExportTargetExists', 'ScapExportTargetIsInput', 'ScapExportReadFailed', 'ScapExportWriteFailed',
        'ScapReportTargetExists', 'ScapReportTargetIsInput', 'ScapReportWriteFailed',
        'DockerHostInvalid', 'DockerConnectionFailed', 'DockerApiError', 'DockerExperimentalDisabled', 'ContainerNotFound',
        'ContainerNameInUse', 'ContainerRunning', 'ContainerNotRunning', 'CheckpointNotFound', 'CriuFailed',
        'CheckpointStagingUnavailable', 'CheckpointFilesUnreachable', 'CheckpointArchiveHashMismatch', 'CheckpointArchiveUnsafePath',
        'CheckpointArchiveInvalid', 'CheckpointExportTargetExists', 'CheckpointExportPathReused', 'CheckpointExportWriteFailed', 'CloneNameTaken',
        'NotACheckpoint', 'CheckpointMetadataInvalid', 'CheckpointProcessNotFound', 'CheckpointMemoryTargetExists',
        'CheckpointMemoryWriteFailed', 'MemoryPatternInvalid', 'CriuImageMissing', 'CriuImageTruncated', 'CriuImageBadMagic',
        'CriuImageBadLength', 'CriuImageInvalid', 'CriuImageUnsupportedVersion', 'CriuPagesMissing',
        'FalcoRuleLoadFailed', 'FalcoRuleReadFailed',
        'FilterInvalid', 'FieldNotFound', 'FieldInvalid',
        'EvidenceRecipientInvalid', 'EvidenceKeyInvalid', 'EvidenceWrongKey', 'EvidenceNotEncrypted', 'EvidenceTampered',
        'EvidenceNotIntegrityProtected', 'EvidenceManifestMismatch', 'EvidenceTargetExists', 'EvidenceWriteFailed',
        'EvidenceDestinationInvalid', 'EvidenceStorageUnauthorized', 'EvidenceStorageForbidden', 'EvidenceStorageConnectionFailed',
        'EvidenceContainerNotFound', 'EvidenceBlobExists', 'EvidenceBlobImmutable', 'EvidenceUploadFailed', 'EvidenceUploadHashMismatch',
        'EvidenceRetentionNotApplied'
    )

    # Ids no test raises yet, each with why; the list may only shrink (a test that raises one must remove it here).
    $script:notYetRaised = @{
        'EvidenceBlobImmutable' = 'a WORM blob: Azurite has no immutability policies or legal holds (its README lists them as not supported, Azure/Azurite#2648); the refusal of the service''s 409 BlobImmutableDueToPolicy/LegalHold is an xunit test (EvidenceStorageTests)'
    }

    $script:testText = (Get-ChildItem (Join-Path $PSScriptRoot '..') -Recurse -Include '*.ps1', '*.cs' |
        Where-Object FullName -ne $PSCommandPath | Where-Object FullName -notmatch '[\\/](bin|obj)[\\/]' |
        ForEach-Object { Get-Content -Raw $_.FullName }) -join "`n"
    # This file's own tests count, its lists above do not.
    $own = Get-Content -Raw $PSCommandPath
    $script:testText += $own.Substring($own.IndexOf("`nDescribe 'Error ids'"))
}

Describe 'Error ids' {
    It 'are the pinned ones, plus those of the other families listed in ErrorIds, each once' {
        $script:ids.Count | Should -Be (@($script:ids | Sort-Object -Unique).Count)
        foreach ($id in $script:pinned) { $script:ids | Should -Contain $id -Because "$id is part of the contract" }
    }

    It 'are each raised by some test, except the ones listed with their reason' {
        $untested = @($script:ids | Where-Object { $script:testText -notmatch "\b$_\b" })
        $untested | Where-Object { -not $script:notYetRaised.ContainsKey($_) } | Should -BeNullOrEmpty -Because 'every error id is raised by a test'
        $script:notYetRaised.Keys | Where-Object { $_ -notin $untested } | Should -BeNullOrEmpty -Because 'an id a test now raises leaves the list'
    }

    It 'FieldInvalid: Get-ScapEvent -Field with a field that cannot be printed stops the command' {
        $capture = Join-Path $TestDrive 'demo.scap'
        New-KfDemoCapture -Path $capture | Out-Null
        { Get-ScapEvent $capture -Field fd.ip -ErrorAction Stop } | Should -Throw -ErrorId 'FieldInvalid*'
    }

    It 'ScapCorruptCompression: a gzip capture whose deflate stream is damaged' {
        $capture = Join-Path $TestDrive 'demo.scap'
        New-KfDemoCapture -Path $capture | Out-Null
        $gz = Join-Path $TestDrive 'demo.scap.gz'
        $in = [System.IO.File]::OpenRead($capture)
        $out = [System.IO.File]::Create($gz)
        $zip = [System.IO.Compression.GZipStream]::new($out, [System.IO.Compression.CompressionLevel]::Fastest)
        $in.CopyTo($zip); $zip.Dispose(); $in.Dispose()
        $bytes = [System.IO.File]::ReadAllBytes($gz)
        for ($i = [int]($bytes.Length / 2); $i -lt [int]($bytes.Length / 2) + 64; $i++) { $bytes[$i] = 0xFF }
        [System.IO.File]::WriteAllBytes($gz, $bytes)
        Get-ScapEvent $gz -ErrorVariable damage -ErrorAction SilentlyContinue | Out-Null
        $damage.Count | Should -Be 1
        $damage[0].FullyQualifiedErrorId | Should -BeLike 'ScapCorruptCompression*'
    }
}
