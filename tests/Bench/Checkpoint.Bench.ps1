<#
.SYNOPSIS
Times checkpoint + restore into a clone through the module and through the docker CLI, on the same engine, in one run.

.DESCRIPTION
Each round starts two identical counting containers; one is checkpointed and cloned with
New-ContainerCheckpoint | Restore-Container -Name, the other the way it is done by hand:
docker checkpoint create, docker create of the clone, copying the checkpoint into the clone's
checkpoint directory (the engine refuses a custom one on start), docker start --checkpoint.
The order alternates between rounds; one warm-up round is not counted. Reports the medians and
the ratio module / CLI (target <= 1.1), and checks that every clone resumed where its original stopped.
#>
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [int] $Rounds = 7
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
Import-Module (Join-Path $PSScriptRoot '../Setup/KForensics.TestSupport.psm1') -Force
if (-not ((Test-KfDebianRoot) -and (Test-KfDockerExperimental))) {
    Write-Warning 'Checkpoint benchmark skipped: no experimental Docker engine with CRIU (run build.ps1 -Task Bootstrap as root on Debian).'
    return
}
Import-Module $ModulePath -Force
$image = Get-KfTestImage
$prefix = 'kfbench' + [Guid]::NewGuid().ToString('N').Substring(0, 6)
$loop = 'i=0; while true; do echo $i; i=$((i+1)); sleep 0.2; done'
$root = (& docker info --format '{{.DockerRootDir}}').Trim()

function Invoke-Docker {
    $out = & docker @args 2>&1
    if ($LASTEXITCODE -ne 0) { throw "docker $($args -join ' ') failed: $out" }
    return $out
}

function Start-Looper([string] $Name) {
    # A distinct environment per container: two bit-identical checkpoints restored in a row make this
    # engine's containerd refuse the second upload ("content ... already exists").
    Invoke-Docker run -d --name $Name -e "KF_BENCH=$Name" $image /bin/sh -c $loop | Out-Null
    for ($i = 0; $i -lt 50 -and @(& docker logs $Name 2>&1).Count -lt 2; $i++) { Start-Sleep -Milliseconds 100 }
}

function Assert-Resumed([string] $Original, [string] $Clone) {
    $last = [int](@(& docker logs $Original 2>&1)[-1])
    for ($i = 0; $i -lt 50 -and @(& docker logs $Clone 2>&1).Count -lt 1; $i++) { Start-Sleep -Milliseconds 100 }
    $first = [int](@(& docker logs $Clone 2>&1)[0])
    if ($first -ne $last + 1) { throw "$Clone resumed at $first, expected $($last + 1)" }
}

function Measure-Module([string] $Name) {
    $sw = [System.Diagnostics.Stopwatch]::StartNew()
    New-ContainerCheckpoint -Container $Name -Name bench | Restore-Container -Name "$Name-clone" -Confirm:$false | Out-Null
    $sw.Stop()
    Assert-Resumed $Name "$Name-clone"
    return $sw.Elapsed.TotalMilliseconds
}

function Measure-Cli([string] $Name) {
    $sw = [System.Diagnostics.Stopwatch]::StartNew()
    Invoke-Docker checkpoint create $Name bench | Out-Null
    $cloneId = (Invoke-Docker create --name "$Name-clone" -e "KF_BENCH=$Name" $image /bin/sh -c $loop).Trim()
    $sourceId = (Invoke-Docker inspect -f '{{.Id}}' $Name).Trim()
    $target = Join-Path $root "containers/$cloneId/checkpoints"
    & mkdir -p $target
    & cp -a (Join-Path $root "containers/$sourceId/checkpoints/bench") $target
    if ($LASTEXITCODE -ne 0) { throw 'cp of the checkpoint failed' }
    # The same wait the module applies: right after a checkpoint this engine's containerd may still
    # hold the upload ("content ... already exists") for up to a second.
    for ($try = 0; ; $try++) {
        $out = & docker start --checkpoint bench "$Name-clone" 2>&1
        if ($LASTEXITCODE -eq 0) { break }
        if ($try -ge 50 -or "$out" -notmatch 'already exists') { throw "docker start --checkpoint bench $Name-clone failed: $out" }
        Start-Sleep -Milliseconds 100
    }
    $sw.Stop()
    Assert-Resumed $Name "$Name-clone"
    return $sw.Elapsed.TotalMilliseconds
}

$module = [System.Collections.Generic.List[double]]::new()
$cli = [System.Collections.Generic.List[double]]::new()
try {
    for ($round = 0; $round -le $Rounds; $round++) {
        $m = "$prefix-m$round"; $c = "$prefix-c$round"
        Start-Looper $m; Start-Looper $c
        if ($round % 2 -eq 0) { $tm = Measure-Module $m; $tc = Measure-Cli $c } else { $tc = Measure-Cli $c; $tm = Measure-Module $m }
        if ($round -gt 0) { $module.Add($tm); $cli.Add($tc) }  # round 0 warms up both paths
        Invoke-Docker rm -f $m "$m-clone" $c "$c-clone" | Out-Null
    }
} finally {
    $left = @(& docker ps -aq --filter "name=$prefix")
    if ($left.Count -gt 0) { & docker rm -f $left | Out-Null }
}

function Get-Median([double[]] $values) { $s = $values | Sort-Object; return $s[[int][Math]::Floor($s.Count / 2)] }
$mm = Get-Median $module; $mc = Get-Median $cli
$ratio = $mm / $mc
Write-Host ('Checkpoint + restore into a clone, median of {0} rounds: module {1:N0} ms, docker CLI {2:N0} ms, ratio {3:N2} (target <= 1.1)' -f $Rounds, $mm, $mc, $ratio)
Write-Host ('  module rounds: {0}' -f (($module | ForEach-Object { '{0:N0}' -f $_ }) -join ', '))
Write-Host ('  CLI rounds:    {0}' -f (($cli | ForEach-Object { '{0:N0}' -f $_ }) -join ', '))
if ($ratio -gt 1.1) { Write-Warning ('The module is slower than the target: ratio {0:N2} > 1.1' -f $ratio) }
