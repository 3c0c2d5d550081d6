#requires -Version 7.4
<#
.SYNOPSIS
Reading benchmarks: Get-ScapEvent beside sysdig on large captures built from a real one.

.DESCRIPTION
Builds captures of each size in -SizeMiB from ../shared/captures/bencer_capture.scap with
../shared/tools/scap-inflate.py (kept in out/bench and reused while they are newer than the source),
then runs every benchmark once per capture: the module's command in a fresh pwsh that imports the
module, and the matching sysdig command, each under /usr/bin/time -v, one at a time. Reports for the
module both the whole process (starting pwsh and importing the module included) and the command
alone, timed inside that process from the prompt's point of view (first run, nothing warmed up);
the command again in a session that has already run it once (warm: the mean of two runs after an
untimed one, in a pwsh of its own), as it runs for an analyst's second and later queries;
peak memory (maximum resident set size); the time ratios module/sysdig; and, for the read of every
event, the PowerShell floor: the time a compiled cmdlet that does nothing but write as many fresh
objects takes to feed them into Measure-Object (in a pwsh of its own, timed like the command). Writes all of it to
out/bench/results.md. An untimed sysdig run counts what sysdig prints; the script fails when the
module's result differs from it. Skips (exit 0, with a warning and a note in the results) when the shared
capture or the inflate tool is absent.

To add a benchmark (filters, for example), append an entry to $benchmarks: Module is the PowerShell
expression run with $Path bound to the capture; Sysdig the timed sysdig arguments, '{0}' standing for
it; Count the sysdig arguments whose output lines are counted (default: Sysdig); Gzip = $true runs
it on the capture compressed with gzip -1 (as pod captures come).

.EXAMPLE
pwsh -File tests/Bench/Scap.Bench.ps1 -ModulePath out/KForensics -SizeMiB 256
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)]
    [string] $ModulePath,

    [int[]] $SizeMiB = @(256, 1024),

    [string] $WorkDirectory,

    [string] $ResultPath,

    # Runs only the benchmarks whose names match this wildcard.
    [string] $Only = '*'
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

$repo = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
$source = Join-Path $repo '../shared/captures/bencer_capture.scap'
$inflate = Join-Path $repo '../shared/tools/scap-inflate.py'
if (-not $WorkDirectory) { $WorkDirectory = Join-Path $repo 'out/bench' }
if (-not $ResultPath) { $ResultPath = Join-Path $WorkDirectory 'results.md' }
New-Item -ItemType Directory -Force -Path $WorkDirectory | Out-Null
$ModulePath = (Resolve-Path $ModulePath).Path
$pwsh = Join-Path $PSHOME 'pwsh'
$timeTool = '/usr/bin/time'
$sysdig = (Get-Command sysdig -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1).Source

$benchmarks = @(
    [pscustomobject]@{
        Name   = 'Read every event'
        Module = '(Get-ScapEvent -LiteralPath $Path | Measure-Object).Count'
        Floor  = $true
        Sysdig = @('-r', '{0}', '-p', '%evt.num')
    }
    # The three filters of issue 4: event type only, socket state, process and fd state. sysdig is
    # timed as the issue gives it (sysdig -r big.scap F > /dev/null: its default output format).
    foreach ($filter in 'evt.type=open or evt.type=openat', 'fd.sip=10.3.0.214 and evt.type=connect', 'proc.name=nginx and fd.name contains /etc') {
        [pscustomobject]@{
            Name   = "Filter: $filter"
            Module = "(Get-ScapEvent -LiteralPath `$Path -Filter '$filter' | Measure-Object).Count"
            Sysdig = @('-r', '{0}', $filter)
            Count  = @('-r', '{0}', '-p', '%evt.num', $filter)
        }
    }
    # Pod captures come gzip-compressed (capture.scap.gz): the same capture, gzip -1.
    [pscustomobject]@{
        Name   = 'Filter, gzip capture: fd.sip=10.3.0.214 and evt.type=connect'
        Gzip   = $true
        Module = "(Get-ScapEvent -LiteralPath `$Path -Filter 'fd.sip=10.3.0.214 and evt.type=connect' | Measure-Object).Count"
        Sysdig = @('-r', '{0}', 'fd.sip=10.3.0.214 and evt.type=connect')
        Count  = @('-r', '{0}', '-p', '%evt.num', 'fd.sip=10.3.0.214 and evt.type=connect')
    }
)

# The views beside the sysdig chisels that answer the same question. A chisel prints its top rows, a view
# returns every row, so the two counts are not compared (Result is the view's row count).
foreach ($view in @(
        @{ Cmdlet = 'Get-ScapConnection'; Chisel = 'topconns' }
        @{ Cmdlet = 'Get-ScapFileAccess'; Chisel = 'topfiles_bytes' }
        @{ Cmdlet = 'Get-ScapCommand'; Chisel = 'spy_users' }
        @{ Cmdlet = 'Get-ScapProcess'; Chisel = 'topprocs_cpu' }
        @{ Cmdlet = 'Get-ScapContainer'; Chisel = 'topcontainers_cpu' }
        @{ Cmdlet = 'Get-ScapSummary'; Chisel = 'wsysdig_summary' })) {
    $benchmarks += [pscustomobject]@{
        Name    = "View: $($view.Cmdlet) / $($view.Chisel)"
        Module  = "@($($view.Cmdlet) -LiteralPath `$Path).Count"
        Sysdig  = @('-r', '{0}', '-c', $view.Chisel)
        NoCount = $true
    }
}

# Falco's newer stock ruleset over the capture (Get-ScapAlert) beside sysdig given the ruleset's conditions,
# expanded Falco's way, or-ed together. Only the rules sysdig 0.29.3 can compile take part on both sides, so
# that the alert count (first match: one per event any rule matches) equals the events sysdig prints.
$falcoRules = Join-Path $repo '../shared/falco/falco-rules-1.0.1/falco_rules.yaml'
$emptyCapture = Join-Path $repo '../shared/captures/falco_empty_v1.scap'
if ($sysdig -and (Test-Path $falcoRules) -and (Test-Path $emptyCapture)) {
    Import-Module (Join-Path $ModulePath 'KForensics.psd1')
    $ruleSet = Import-FalcoRule $falcoRules -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
    $runnable = @($ruleSet.Rules | Where-Object Enabled | Where-Object {
        & $sysdig -r $emptyCapture $_.ExpandedCondition *> $null
        $LASTEXITCODE -eq 0
    })
    $skipped = @($ruleSet.Rules | Where-Object { $_.Name -notin $runnable.Name })
    $disabledFile = Join-Path $WorkDirectory 'falco-disabled-rules.txt'
    Set-Content $disabledFile ($skipped | ForEach-Object { [WildcardPattern]::Escape($_.Name) })
    $orCondition = ($runnable | ForEach-Object { "($($_.ExpandedCondition))" }) -join ' or '
    $benchmarks += [pscustomobject]@{
        Name   = "Falco rules: falco-rules-1.0.1 ($($runnable.Count) of $($ruleSet.Rules.Count) rules)"
        Module = "(Get-ScapAlert -LiteralPath `$Path -Rule '$falcoRules' -DisabledRule (Get-Content '$disabledFile') -ErrorAction SilentlyContinue -WarningAction SilentlyContinue | Measure-Object).Count"
        Sysdig = @('-r', '{0}', $orCondition)
        Count  = @('-r', '{0}', '-p', '%evt.num', $orCondition)
    }
}

function Write-Result([string[]] $Lines) {
    Set-Content -Path $ResultPath -Value $Lines
    $Lines | ForEach-Object { Write-Host $_ }
}

$missing = @($source, $inflate, $timeTool) | Where-Object { -not (Test-Path $_) }
if (-not $sysdig) { $missing += 'sysdig' }
if ($missing) {
    Write-Warning "Scap benchmarks skipped; missing: $($missing -join ', ')"
    Write-Result @('# Scap reading benchmarks', '', "Skipped: missing $($missing -join ', ').")
    exit 0
}

function Get-BigCapture([int] $MiB) {
    $target = Join-Path $WorkDirectory "bencer-$MiB.scap"
    $fresh = (Test-Path $target) -and (Get-Item $target).LastWriteTimeUtc -gt (Get-Item $source).LastWriteTimeUtc -and
        (Get-Item $target).Length -ge $MiB * 1MB
    if (-not $fresh) {
        Write-Host "Building $target ($MiB MiB) with scap-inflate.py"
        & python3 $inflate $source $target --mib $MiB | Out-Host
        if ($LASTEXITCODE -ne 0) { throw "scap-inflate.py failed for $MiB MiB." }
    }
    return Get-Item $target
}

# The capture compressed with gzip -1, kept beside it while newer.
function Get-GzipCapture([IO.FileInfo] $Capture) {
    $target = "$($Capture.FullName).gz"
    if (-not ((Test-Path $target) -and (Get-Item $target).LastWriteTimeUtc -gt $Capture.LastWriteTimeUtc)) {
        Write-Host "Compressing $($Capture.Name) with gzip -1"
        & sh -c ("gzip -1 -c " + (Quote $Capture.FullName) + ' > ' + (Quote $target))
        if ($LASTEXITCODE -ne 0) { throw "gzip failed for $($Capture.FullName)." }
    }
    return Get-Item $target
}

function Quote([string] $Text) { "'" + $Text.Replace("'", "'\''") + "'" }

# Runs one command line under GNU time (the command is exec'd, so time measures exactly that process)
# and returns wall seconds, peak resident MiB and what it printed. -Discard sends the output to
# /dev/null, as the reference command is specified (sysdig ... > /dev/null).
function Invoke-Measured([string[]] $Command, [switch] $Discard) {
    $id = [guid]::NewGuid().ToString('n')
    $timeFile = Join-Path $WorkDirectory "time-$id.txt"
    $outFile = if ($Discard) { '/dev/null' } else { Join-Path $WorkDirectory "out-$id.txt" }
    $line = 'exec ' + ((@($timeTool, '-v', '-o', $timeFile) + $Command | ForEach-Object { Quote $_ }) -join ' ') + ' > ' + (Quote $outFile)
    & sh -c $line
    $exit = $LASTEXITCODE
    try {
        $report = Get-Content -Raw $timeFile
        if ($exit -ne 0) { throw "'$($Command -join ' ')' failed with exit code $exit`n$report" }
        $wall = [regex]::Match($report, 'Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)')
        $seconds = [double]$wall.Groups[3].Value + 60 * [int]$wall.Groups[2].Value
        if ($wall.Groups[1].Success) { $seconds += 3600 * [int]$wall.Groups[1].Value }
        $rssKb = [long][regex]::Match($report, 'Maximum resident set size \(kbytes\): (\d+)').Groups[1].Value
        [pscustomobject]@{
            Seconds = $seconds
            PeakMiB = [math]::Round($rssKb / 1024, 1)
            Output  = if ($Discard) { '' } else { Get-Content -Raw $outFile }
        }
    }
    finally {
        Remove-Item -Force -ErrorAction SilentlyContinue $timeFile
        if (-not $Discard) { Remove-Item -Force -ErrorAction SilentlyContinue $outFile }
    }
}

# The PowerShell floor: a compiled cmdlet that only writes fresh objects, piped as Get-ScapEvent is.
$floorWorkload = Join-Path $WorkDirectory 'workload-floor.ps1'
Set-Content -Path $floorWorkload -Value @(
    'param([long] $Count)'
    '$ErrorActionPreference = ''Stop'''
    '$source = ''using System.Management.Automation; public sealed class KfFloorItem { public long N; } [Cmdlet("Write", "KfFloor")] public sealed class WriteKfFloorCommand : PSCmdlet { [Parameter] public long Count { get; set; } protected override void EndProcessing() { for (long i = 0; i < Count; i++) { WriteObject(new KfFloorItem { N = i }); } } }'''
    'Add-Type -TypeDefinition $source -PassThru | Select-Object -First 1 | ForEach-Object { Import-Module $_.Assembly }'
    '$watch = [Diagnostics.Stopwatch]::StartNew()'
    '$written = (Write-KfFloor -Count $Count | Measure-Object).Count'
    '$watch.Stop()'
    '"$written`t$($watch.Elapsed.TotalSeconds)"'
)

# Writes a workload script: it imports the module, runs the command -WarmUpRuns times untimed, then
# -TimedRuns times timed inside the process, and prints the result and the mean time of the timed runs.
function New-Workload([string] $Path, [string] $Command, [int] $WarmUpRuns, [int] $TimedRuns) {
    Set-Content -Path $Path -Value @(
        'param([string] $ModulePath, [string] $Path)'
        '$ErrorActionPreference = ''Stop'''
        'Import-Module $ModulePath'
        "for (`$run = 0; `$run -lt $WarmUpRuns; `$run++) { `$null = $Command }"
        "`$times = for (`$run = 0; `$run -lt $TimedRuns; `$run++) {"
        '    $watch = [Diagnostics.Stopwatch]::StartNew()'
        "    `$result = $Command"
        '    $watch.Stop()'
        '    $watch.Elapsed.TotalSeconds'
        '}'
        '"$result`t$(($times | Measure-Object -Average).Average)"'
    )
    return $Path
}

$rows = [System.Collections.Generic.List[object]]::new()
$benchmarks = @($benchmarks | Where-Object Name -like $Only)
foreach ($mib in $SizeMiB) {
    $plain = Get-BigCapture $mib
    foreach ($bench in $benchmarks) {
        $capture = if ($bench.PSObject.Properties['Gzip']) { Get-GzipCapture $plain } else { $plain }
        $index = [array]::IndexOf($benchmarks, $bench)
        $workload = New-Workload (Join-Path $WorkDirectory "workload-$index.ps1") $bench.Module -WarmUpRuns 0 -TimedRuns 1
        Write-Host "$($bench.Name), $($capture.Name): Get-ScapEvent"
        $module = Invoke-Measured @($pwsh, '-NoProfile', '-NonInteractive', '-File', $workload, '-ModulePath', $ModulePath, '-Path', $capture.FullName)
        # The same command in a session that has run it before: once untimed, then twice timed.
        $warmWorkload = New-Workload (Join-Path $WorkDirectory "workload-$index-warm.ps1") $bench.Module -WarmUpRuns 1 -TimedRuns 2
        Write-Host "$($bench.Name), $($capture.Name): Get-ScapEvent, warm"
        $warm = Invoke-Measured @($pwsh, '-NoProfile', '-NonInteractive', '-File', $warmWorkload, '-ModulePath', $ModulePath, '-Path', $capture.FullName)
        Write-Host "$($bench.Name), $($capture.Name): sysdig"
        $sysdigArgs = @($sysdig) + ($bench.Sysdig | ForEach-Object { $_ -f $capture.FullName })
        $reference = Invoke-Measured $sysdigArgs -Discard
        # A separate, untimed run counts what sysdig prints, to check the module's result.
        $countArgs = if ($bench.PSObject.Properties['Count']) { @($sysdig) + ($bench.Count | ForEach-Object { $_ -f $capture.FullName }) } else { $sysdigArgs }
        $sysdigCount = if ($bench.PSObject.Properties['NoCount']) { $null } else { [long](& sh -c ((($countArgs | ForEach-Object { Quote $_ }) -join ' ') + ' | wc -l')) }
        $result, $commandSeconds = $module.Output.Trim() -split "`t"
        $commandSeconds = [math]::Round([double]$commandSeconds, 2)
        $warmResult, $warmSeconds = $warm.Output.Trim() -split "`t"
        if ($warmResult -ne $result) { throw "The warm runs counted $warmResult instead of $result." }
        $warmSeconds = [math]::Round([double]$warmSeconds, 2)
        $processSeconds = $module.Seconds
        $floorSeconds = $null
        if ($bench.PSObject.Properties['Floor']) {
            Write-Host "$($bench.Name), $($capture.Name): PowerShell floor"
            $floor = Invoke-Measured @($pwsh, '-NoProfile', '-NonInteractive', '-File', $floorWorkload, '-Count', $result)
            $floorCount, $floorSeconds = $floor.Output.Trim() -split "`t"
            if ($floorCount -ne $result) { throw "The floor workload wrote $floorCount objects instead of $result." }
            $floorSeconds = [math]::Round([double]$floorSeconds, 2)
        }
        $rows.Add([pscustomobject]@{
                Benchmark     = $bench.Name
                CaptureMiB    = [math]::Round($capture.Length / 1MB)
                Result        = $result
                SysdigCount   = $sysdigCount
                CommandSeconds = $commandSeconds
                WarmSeconds   = $warmSeconds
                FloorSeconds  = $floorSeconds
                ModuleSeconds = $processSeconds
                ModulePeakMiB = $module.PeakMiB
                SysdigSeconds = $reference.Seconds
                SysdigPeakMiB = $reference.PeakMiB
                Ratio         = if ($reference.Seconds -gt 0) { [math]::Round($processSeconds / $reference.Seconds, 2) } else { [double]::NaN }
                CommandRatio  = if ($reference.Seconds -gt 0) { [math]::Round($commandSeconds / $reference.Seconds, 2) } else { [double]::NaN }
                WarmRatio     = if ($reference.Seconds -gt 0) { [math]::Round($warmSeconds / $reference.Seconds, 2) } else { [double]::NaN }
            })
    }
}

$lines = @(
    '# Scap reading benchmarks'
    ''
    "Machine: $([Environment]::ProcessorCount) cores, $((Get-Content /proc/meminfo -TotalCount 1) -replace '\s+', ' '); " +
    "$((& $sysdig --version) -join ' '); KForensics from $ModulePath; $(Get-Date -AsUTC -Format 'yyyy-MM-dd HH:mm') UTC."
    "Captures: bencer_capture.scap inflated with scap-inflate.py. Each figure is one run; processes under /usr/bin/time -v."
    'Command: the module command alone, timed in its pwsh after Import-Module (first run). Warm: the same command in a'
    'pwsh that has run it once already (mean of two runs). Process: the whole pwsh of the first run, starting it and'
    'importing the module included. Ratios divide by the sysdig time: sysdig -r F -p %evt.num for the read of every'
    'event, sysdig -r F FILTER (default output) for the filters, sysdig -r F -c CHISEL for the views (the chisel''s'
    'rows are not counted: it prints its top rows, the view every row), output to /dev/null. PowerShell floor: a compiled'
    'cmdlet that only writes as many fresh objects, piped into Measure-Object (timed as Command, in its own pwsh).'
    ''
    '| Benchmark | Capture (MiB) | Result | sysdig count | Command (s) | Warm (s) | Process (s) | Peak (MiB) | sysdig (s) | Peak (MiB) | Ratio command | Ratio warm | Ratio process | PowerShell floor (s) |'
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|'
)
foreach ($row in $rows) {
    $lines += "| $($row.Benchmark) | $($row.CaptureMiB) | $($row.Result) | $($row.SysdigCount) | $($row.CommandSeconds) | $($row.WarmSeconds) | $($row.ModuleSeconds) | $($row.ModulePeakMiB) | $($row.SysdigSeconds) | $($row.SysdigPeakMiB) | $($row.CommandRatio) | $($row.WarmRatio) | $($row.Ratio) | $(if ($null -ne $row.FloorSeconds) { $row.FloorSeconds } else { '' }) |"
}
foreach ($group in $rows | Group-Object Benchmark) {
    $sorted = $group.Group | Sort-Object CaptureMiB
    if ($sorted.Count -ge 2) {
        $lines += ''
        $lines += "$($group.Name): peak memory $($sorted[0].ModulePeakMiB) MiB at $($sorted[0].CaptureMiB) MiB vs " +
            "$($sorted[-1].ModulePeakMiB) MiB at $($sorted[-1].CaptureMiB) MiB of capture (sysdig: $($sorted[0].SysdigPeakMiB) vs $($sorted[-1].SysdigPeakMiB) MiB)."
    }
}
Write-Result $lines
$mismatch = @($rows | Where-Object { $null -ne $_.SysdigCount -and "$($_.Result)" -ne "$($_.SysdigCount)" })
if ($mismatch) {
    Write-Warning ("The module's result differs from sysdig's count: " + (($mismatch | ForEach-Object { "$($_.Benchmark) at $($_.CaptureMiB) MiB: $($_.Result) vs $($_.SysdigCount)" }) -join '; '))
    exit 1
}
