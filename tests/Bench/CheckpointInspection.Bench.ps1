<#
.SYNOPSIS
Times looking inside a checkpoint of a process holding 1 GiB of memory: the module beside checkpointctl on the same archive, in one run.

.DESCRIPTION
The specimen (tests/Specimen) is run with --mib 1024 (a marker in its last pages) and checkpointed
through the real engine and CRIU. checkpointctl 1.3 reads no pages of CRIU 4.2 pagemaps (it sizes
entries by compat_nr_pages, which CRIU 4.2 leaves 0), so the pagemaps are re-encoded with crit in the
compat form it does read, and both tools get the same plain Podman-layout archive of that copy. Each
side runs as its own process (pwsh start and module import included for the module), rounds
alternate, one warm-up round is not counted; /usr/bin/time gives the peak resident memory.
  Search:  Search-CheckpointMemory -ProcessId 1 -Pattern KF-MARKER-END  vs  checkpointctl memparse --pid 1 --search KF-MARKER-END
           targets: time ratio <= 0.5, peak <= 200 MiB
  Tree:    Get-CheckpointProcess (command lines read from memory)  vs  checkpointctl inspect --ps-tree-cmd
           target: time ratio <= 1.0
#>
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [int] $Rounds = 3,
    [int] $MiB = 1024
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
Import-Module (Join-Path $PSScriptRoot '../Setup/KForensics.TestSupport.psm1') -Force
if (-not ((Test-KfDebianRoot) -and (Test-KfDockerExperimental) -and (Get-KfCheckpointTool -Name checkpointctl) -and (Get-KfCheckpointTool -Name crit))) {
    Write-Warning 'Checkpoint inspection benchmark skipped: no Docker engine with CRIU, checkpointctl and crit (run build.ps1 -Task Bootstrap as root on Debian).'
    return
}
$modulePath = (Resolve-Path $ModulePath).Path
$name = 'kfbenchmem' + [Guid]::NewGuid().ToString('N').Substring(0, 6)
$work = Join-Path ([IO.Path]::GetTempPath()) $name
New-Item -ItemType Directory -Path $work | Out-Null
$pwsh = Join-Path $PSHOME 'pwsh'
$checkpointctl = Get-KfCheckpointTool -Name checkpointctl

# Runs one command line under /usr/bin/time; returns wall milliseconds, peak RSS in MiB and standard output.
function Measure-Process([string[]] $Command) {
    $rss = Join-Path $work 'rss'
    $sw = [System.Diagnostics.Stopwatch]::StartNew()
    $out = & /usr/bin/time -f '%M' -o $rss @Command 2>&1
    $sw.Stop()
    if ($LASTEXITCODE -ne 0) { throw "$($Command -join ' ') failed: $($out -join "`n")" }
    [pscustomobject]@{ Ms = $sw.Elapsed.TotalMilliseconds; PeakMiB = [double](Get-Content $rss | Select-Object -Last 1) / 1024; Output = ($out -join "`n") }
}

try {
    Write-Host "Making a checkpoint of the specimen holding $MiB MiB ..."
    $s = New-KfSpecimenCheckpoint -Name $name -MiB $MiB -NoZombie -TimeoutSeconds 600
    $copy = Join-Path $work 'images'
    & cp -a $s.Directory $copy
    ConvertTo-KfCompatPagemap -Directory $copy
    $archive = (New-KfCheckpointArchive -CheckpointDirectory $copy -Container $s.Container -Layout Podman -Compression none -Path (Join-Path $work 'specimen.tar')).FullName
    Write-Host ('Archive: {0:N0} MiB' -f ((Get-Item $archive).Length / 1MB))

    $search = "Import-Module '$modulePath'; Search-CheckpointMemory -LiteralPath '$archive' -ProcessId 1 -Pattern KF-MARKER-END | ForEach-Object AddressHex"
    $tree = "Import-Module '$modulePath'; Get-CheckpointProcess -LiteralPath '$archive' | ForEach-Object { `$_.ProcessId.ToString() + ' ' + `$_.CommandLine }"
    $results = @{ ModuleSearch = [System.Collections.Generic.List[object]]::new(); CctlSearch = [System.Collections.Generic.List[object]]::new()
                  ModuleTree = [System.Collections.Generic.List[object]]::new(); CctlTree = [System.Collections.Generic.List[object]]::new() }
    for ($round = 0; $round -le $Rounds; $round++) {
        $pairs = @(
            @{ Key = 'ModuleSearch'; Command = @($pwsh, '-NoProfile', '-NonInteractive', '-Command', $search) }
            @{ Key = 'CctlSearch'; Command = @($checkpointctl, 'memparse', '--pid', '1', '--search', 'KF-MARKER-END', $archive) }
            @{ Key = 'ModuleTree'; Command = @($pwsh, '-NoProfile', '-NonInteractive', '-Command', $tree) }
            @{ Key = 'CctlTree'; Command = @($checkpointctl, 'inspect', '--ps-tree-cmd', $archive) }
        )
        if ($round % 2 -eq 1) { [array]::Reverse($pairs) }
        foreach ($p in $pairs) {
            $r = Measure-Process $p.Command
            if ($round -gt 0) { $results[$p.Key].Add($r) }
        }
    }

    # Both found the marker at the same address.
    $ours = @($results.ModuleSearch[0].Output -split "`n" | Where-Object { $_ -match '^[0-9a-f]{16}$' })
    $theirs = @($results.CctlSearch[0].Output -split "`n" | ForEach-Object { if ($_ -match '^\|?\s*([0-9a-f]{16})\s*\|') { $Matches[1] } })
    if ($ours.Count -eq 0 -or $theirs.Count -eq 0 -or @($theirs | Where-Object { $_ -notin $ours }).Count -gt 0) {
        throw "The two searches disagree: module $($ours -join ',') / checkpointctl $($theirs -join ',')"
    }

    function Get-Median([double[]] $values) { $v = @($values | Sort-Object); return $v[[int][Math]::Floor($v.Count / 2)] }
    $ms = Get-Median $results.ModuleSearch.Ms; $cs = Get-Median $results.CctlSearch.Ms
    $mt = Get-Median $results.ModuleTree.Ms; $ct = Get-Median $results.CctlTree.Ms
    $peak = ($results.ModuleSearch.PeakMiB | Measure-Object -Maximum).Maximum
    $cpeak = ($results.CctlSearch.PeakMiB | Measure-Object -Maximum).Maximum
    Write-Host ('Memory search in a {0} MiB process, median of {1} rounds, whole processes: module {2:N0} ms (peak {3:N0} MiB), checkpointctl memparse {4:N0} ms (peak {5:N0} MiB), ratio {6:N2} (target <= 0.5, peak <= 200 MiB)' -f $MiB, $Rounds, $ms, $peak, $cs, $cpeak, ($ms / $cs))
    Write-Host ('Process tree with command lines, median of {0} rounds, whole processes: module {1:N0} ms, checkpointctl inspect --ps-tree-cmd {2:N0} ms, ratio {3:N2} (target <= 1.0)' -f $Rounds, $mt, $ct, ($mt / $ct))
    if ($ms / $cs -gt 0.5) { Write-Warning ('Memory search ratio {0:N2} > 0.5' -f ($ms / $cs)) }
    if ($peak -gt 200) { Write-Warning ('Memory search peak {0:N0} MiB > 200 MiB' -f $peak) }
    if ($mt / $ct -gt 1.0) { Write-Warning ('Process tree ratio {0:N2} > 1.0' -f ($mt / $ct)) }
} finally {
    & docker rm -f $name 2>&1 | Out-Null
    Remove-Item -Recurse -Force $work -ErrorAction SilentlyContinue
}
