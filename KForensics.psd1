@{
    RootModule           = 'KForensics.dll'
    # Stamped by build.ps1 from Directory.Build.props; the source copy is never published as is.
    ModuleVersion        = '0.0.0'
    GUID                 = '5f0c2a57-9a4e-4c39-b0b5-3d5b8e0e6f21'
    Author               = 'KForensics contributors'
    CompanyName          = 'KForensics'
    Copyright            = '(c) KForensics contributors. Apache-2.0.'
    Description          = 'Forensics for containers and Kubernetes: read sysdig captures natively, checkpoint and restore containers with CRIU as hashed evidence, and capture a pod''s system calls from your own seat.'
    PowerShellVersion    = '7.4'
    CompatiblePSEditions = @('Core')
    FormatsToProcess     = @('KForensics.Format.ps1xml')
    CmdletsToExport      = @(
        'Get-ScapEvent'
        'Get-ScapConnection'
        'Get-ScapFileAccess'
        'Get-ScapSummary'
        'Get-ScapContainer'
        'Get-ScapCommand'
        'Get-ScapProcess'
        'Export-ScapEvent'
        'Export-ScapReport'
        'Import-FalcoRule'
        'Get-ScapAlert'
        'New-ContainerCheckpoint'
        'Get-ContainerCheckpoint'
        'Remove-ContainerCheckpoint'
        'Restore-Container'
        'Export-ContainerCheckpoint'
        'Import-ContainerCheckpoint'
        'Get-CheckpointProcess'
        'Get-CheckpointFile'
        'Get-CheckpointSocket'
        'Get-CheckpointMount'
        'Get-CheckpointFileChange'
        'Search-CheckpointMemory'
        'Export-CheckpointMemory'
        'Compare-ContainerCheckpoint'
        'Get-CheckpointImage'
        'Get-ScapField'
        'Start-PodCapture'
        'Get-PodCapture'
        'Remove-PodCapture'
        'New-PodCheckpoint'
        'Get-PodCheckpoint'
        'Remove-PodCheckpoint'
        'Protect-Evidence'
        'Unprotect-Evidence'
        'Send-Evidence'
    )
    FunctionsToExport    = @()
    AliasesToExport      = @()
    VariablesToExport    = @()
    PrivateData          = @{
        PSData = @{
            Tags         = @('forensics', 'sysdig', 'scap', 'criu', 'docker', 'kubernetes', 'incident-response', 'Linux')
            LicenseUri   = 'https://www.apache.org/licenses/LICENSE-2.0'
            ReleaseNotes = 'Reads sysdig captures with the sysdig filter language; container checkpoints with CRIU as hashed evidence, and looks inside them without running them; pod-scoped captures.'
        }
    }
}
