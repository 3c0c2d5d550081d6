#requires -Version 7.4
<#
.SYNOPSIS
Many captures at once: Get-ScapSummary, Get-ScapEvent -Filter and Get-ScapAlert over 8 captures of 128 MiB,
-ThrottleLimit 2 against one at a time, and against sysdig run once per file in sequence.

.DESCRIPTION
Builds one 128 MiB capture from ../shared/captures/bencer_capture.scap with ../shared/tools/scap-inflate.py
and copies it 8 times (out/bench/parallel). Each command runs in a fresh pwsh that imports the module and
times the command alone (Stopwatch); sysdig's time is the sum of one run per file, output to /dev/null.
Rounds alternate the order. Writes out/bench/parallel.md. Skips (exit 0) when sysdig, the capture or the
inflate tool is absent.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [int] $Files = 8,
    [int] $MiB = 128,
    [int] $Rounds = 2
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$repo = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
$source = Join-Path $repo '../shared/captures/bencer_capture.scap'
$inflate = Join-Path $repo '../shared/tools/scap-inflate.py'
$work = Join-Path $repo 'out/bench/parallel'
$result = Join-Path $repo 'out/bench/parallel.md'
$ModulePath = (Resolve-Path $ModulePath).Path
$pwsh = Join-Path $PSHOME 'pwsh'
$sysdig = (Get-Command sysdig -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1).Source
if (-not $sysdig -or -not (Test-Path $source) -or -not (Test-Path $inflate)) {
    Write-Warning 'Parallel benchmarks skipped: sysdig, the capture or scap-inflate.py is missing.'
    exit 0
}

New-Item -ItemType Directory -Force $work | Out-Null
$one = Join-Path $work "bencer-$MiB.scap"
if (-not (Test-Path $one) -or (Get-Item $one).Length -lt $MiB * 1MB) {
    & python3 $inflate $source $one --mib $MiB | Out-Host
    if ($LASTEXITCODE -ne 0) { throw 'scap-inflate.py failed.' }
}
$paths = 1..$Files | ForEach-Object {
    $p = Join-Path $work ("capture-{0:d2}.scap" -f $_)
    if (-not (Test-Path $p) -or (Get-Item $p).Length -ne (Get-Item $one).Length) { Copy-Item $one $p }
    $p
}
$list = ($paths | ForEach-Object { "'$_'" }) -join ','
$filter = 'fd.sip=10.3.0.214 and evt.type=connect'
$rules = Join-Path $work 'connect.yaml'
Set-Content $rules "- rule: connect to 10.3.0.214`n  desc: d`n  condition: evt.type=connect and fd.sip=10.3.0.214`n  output: '%proc.name %fd.name'`n  priority: NOTICE"

$commands = [ordered]@{
    'Get-ScapSummary'           = @{ Module = "@(Get-ScapSummary -LiteralPath $list -ThrottleLimit {0}).Count"; Sysdig = @('-c', 'wsysdig_summary') }
    "Get-ScapEvent -Filter"     = @{ Module = "@(Get-ScapEvent -LiteralPath $list -Filter '$filter' -ThrottleLimit {0}).Count"; Sysdig = @($filter) }
    'Get-ScapAlert'             = @{ Module = "@(Get-ScapAlert -LiteralPath $list -Rule '$rules' -ThrottleLimit {0}).Count"; Sysdig = @($filter) }
}

function Measure-Module([string] $Expression) {
    $script = "Import-Module '$ModulePath'; `$sw = [Diagnostics.Stopwatch]::StartNew(); `$n = $Expression; `$sw.Stop(); `"`$(`$sw.Elapsed.TotalSeconds) `$n`""
    $out = & $pwsh -NoProfile -NonInteractive -Command $script
    $parts = "$($out | Select-Object -Last 1)".Split(' ')
    [pscustomobject]@{ Seconds = [double]$parts[0]; Count = [long]$parts[1] }
}

function Measure-Sysdig([string[]] $Arguments) {
    $sw = [Diagnostics.Stopwatch]::StartNew()
    foreach ($p in $paths) { & $sysdig -r $p @Arguments > /dev/null }
    $sw.Elapsed.TotalSeconds
}

$rows = foreach ($name in $commands.Keys) {
    $c = $commands[$name]
    $serial = @(); $parallel = @(); $reference = @(); $counts = @()
    for ($r = 0; $r -lt $Rounds; $r++) {
        Write-Host "$name, round $($r + 1)"
        $order = if ($r % 2) { 'p', 's' } else { 's', 'p' }
        foreach ($o in $order) {
            $m = Measure-Module ($c.Module -f $(if ($o -eq 'p') { 2 } else { 1 }))
            if ($o -eq 'p') { $parallel += $m.Seconds } else { $serial += $m.Seconds }
            $counts += $m.Count
        }
        $reference += Measure-Sysdig $c.Sysdig
    }
    $s = ($serial | Measure-Object -Average).Average
    $p = ($parallel | Measure-Object -Average).Average
    $y = ($reference | Measure-Object -Average).Average
    if (@($counts | Sort-Object -Unique).Count -ne 1) { throw "$name gave different counts one at a time and in parallel: $($counts -join ', ')" }
    [pscustomobject]@{ Command = $name; Result = $counts[0]; OneAtATime = [math]::Round($s, 2); Parallel2 = [math]::Round($p, 2); Speedup = [math]::Round($s / $p, 2); Sysdig = [math]::Round($y, 2); Ratio = [math]::Round($p / $y, 2) }
}

$lines = @(
    "# Many captures at once ($Files x $MiB MiB, $Rounds rounds, $([Environment]::ProcessorCount) cores)", '',
    '| Command | Result | one at a time (s) | -ThrottleLimit 2 (s) | speed-up | sysdig per file in sequence (s) | ratio to sysdig |',
    '|---|---:|---:|---:|---:|---:|---:|'
) + ($rows | ForEach-Object { "| $($_.Command) | $($_.Result) | $($_.OneAtATime) | $($_.Parallel2) | $($_.Speedup) | $($_.Sysdig) | $($_.Ratio) |" })
Set-Content $result $lines
$lines | Write-Host
