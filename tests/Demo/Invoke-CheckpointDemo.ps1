#requires -Version 7.4
<#
.SYNOPSIS
The other half of the incident: freeze a suspicious container, look inside the checkpoint without
running it, and replay it only in a sandbox.

.DESCRIPTION
On the real Docker engine with CRIU (set up by build.ps1 -Task Bootstrap), a looper container with a
secret in its environment is checkpointed and left running. The demo then reads the checkpoint as
evidence: its overview and hash, the process tree with command lines read from memory, the secret
found by a memory search, the open files; and restores a clone with no network that continues
counting where the original was frozen. Every answer is checked against what the demo set up; the
script fails when one is missing or wrong. Without an engine it says so and skips.

.EXAMPLE
pwsh -File tests/Demo/Invoke-CheckpointDemo.ps1 -ModulePath out/KForensics
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)]
    [string] $ModulePath,

    [string] $OutputDirectory
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$repo = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
if (-not $OutputDirectory) { $OutputDirectory = Join-Path $repo 'out/demo' }
New-Item -ItemType Directory -Force -Path $OutputDirectory | Out-Null
Import-Module (Join-Path $PSScriptRoot '../Setup/KForensics.TestSupport.psm1') -Force
if (-not ((Test-KfDebianRoot) -and (Get-Command docker -ErrorAction SilentlyContinue) -and (Test-KfDockerExperimental))) {
    Write-Host 'Checkpoint demo skipped: no Docker engine with CRIU here (build.ps1 -Task Bootstrap sets one up as root on Debian).' -ForegroundColor Yellow
    return
}
Import-Module (Resolve-Path $ModulePath).Path -Force

$name = 'kfdemo-looper-' + [Guid]::NewGuid().ToString('N').Substring(0, 6)
$secret = 'kf-' + [Guid]::NewGuid().ToString('N').Substring(0, 12)
$loop = 'i=0; while true; do echo $i; i=$((i+1)); sleep 1; done'


function Assert-Demo([string] $What, [bool] $Condition) {
    if (-not $Condition) { Write-Host "Wrong: $What" -ForegroundColor Red; throw "Checkpoint demo failed: $What" }
}

try {
    Write-Host "A suspicious container: $name, with KF_SECRET in its environment" -ForegroundColor Cyan
    & docker run -d --name $name -e "KF_SECRET=$secret" (Get-KfTestImage) /bin/sh -c $loop | Out-Null
    for ($i = 0; $i -lt 50 -and @(Get-KfContainerNumber $name).Count -lt 3; $i++) { Start-Sleep -Milliseconds 200 }

    # Freeze it, leaving it running; the numbers printed just before and after bound where it was frozen.
    $before = @(Get-KfContainerNumber $name)[-1]
    $cp = New-ContainerCheckpoint -Container $name -Name evidence -LeaveRunning
    $after = @(Get-KfContainerNumber $name)[-1]
    Write-Host "Checkpointed $($cp.ContainerName)/$($cp.Name): $($cp.Files.Count) files hashed in $($cp.Location)"

    $archive = $cp | Export-ContainerCheckpoint -Path (Join-Path $OutputDirectory "$name.tar.gz") -Force
    $overview = Get-ContainerCheckpoint -Path $archive.Path
    Write-Host ''
    Write-Host 'What the archive is (Get-ContainerCheckpoint -Path)' -ForegroundColor Cyan
    $overview | Format-List ContainerName, Engine, Image, Runtime, CheckpointedUtc, CheckpointSize, MemoryPagesSize, ProcessCount, Sha256 | Out-String -Width 200 | Write-Host
    Assert-Demo 'the archive hash' ($overview.Sha256 -eq $archive.Sha256)

    Write-Host 'Its processes, with command lines read from memory (Get-CheckpointProcess)' -ForegroundColor Cyan
    $processes = @($archive | Get-CheckpointProcess)
    $processes | Format-Table ProcessId, ParentProcessId, State, Command, CommandLine -AutoSize | Out-String -Width 200 | Write-Host
    Assert-Demo 'the looper command line' ($processes[0].CommandLine -eq "/bin/sh -c $loop")
    Assert-Demo 'the secret in the environment' ($processes[0].Environment['KF_SECRET'] -eq $secret)

    Write-Host 'The secret in its memory (Search-CheckpointMemory -Pattern KF_SECRET=)' -ForegroundColor Cyan
    $hits = @($archive | Search-CheckpointMemory -Pattern 'KF_SECRET=' -Context 24)
    $hits | Format-Table ProcessId, AddressHex, Region, ContextText -AutoSize | Out-String -Width 200 | Write-Host
    Assert-Demo 'the secret found in memory' (@($hits | Where-Object { $_.ContextText -like "*KF_SECRET=$secret*" }).Count -gt 0)

    Write-Host 'Its open files (Get-CheckpointFile)' -ForegroundColor Cyan
    $files = @($archive | Get-CheckpointFile)
    $files | Format-Table ProcessId, Fd, Type, Path -AutoSize | Out-String -Width 200 | Write-Host
    Assert-Demo 'the working directory row' (@($files | Where-Object Fd -eq 'cwd').Count -gt 0)

    Write-Host 'Replayed only in a sandbox (Restore-Container -Name, no network)' -ForegroundColor Cyan
    $clone = $cp | Restore-Container -Name "$name-sandbox" -Confirm:$false
    $clone | Format-List Name, State, Network, Checkpoint, Source | Out-String -Width 200 | Write-Host
    for ($i = 0; $i -lt 50 -and @(Get-KfContainerNumber $clone.Name).Count -lt 1; $i++) { Start-Sleep -Milliseconds 200 }
    $first = @(Get-KfContainerNumber $clone.Name)[0]
    $interfaces = @(& docker exec $clone.Name cat /proc/net/dev | Select-Object -Skip 2 | ForEach-Object { ($_ -split ':')[0].Trim() })
    Write-Host "The clone continued at $first (the original was frozen after $before$(if ($after -ne $before) { " or $after" })); its interfaces: $($interfaces -join ', ')"
    Assert-Demo 'the clone continues where the original was frozen' ($first -eq $before + 1 -or $first -eq $after + 1)
    Assert-Demo 'the clone has only the loopback interface' (($interfaces -join ',') -eq 'lo')
    Write-Host ''
    Write-Host 'Checkpoint demo complete: the container was read without running it, and replayed only in a sandbox.' -ForegroundColor Green
} finally {
    $ids = @(& docker ps -aq --filter "name=$name")
    if ($ids.Count -gt 0) { & docker rm -f $ids | Out-Null }
}
