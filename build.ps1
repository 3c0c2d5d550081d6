#requires -Version 7.4
<#
.SYNOPSIS
The one entry point for setting up, building, testing, benchmarking and demonstrating KForensics.

.DESCRIPTION
Tasks (run in the order given):
  Bootstrap  Installs what the build and the tests need, idempotently: .NET packages, and on Debian
             as root the Debian packages (sysdig, docker.io, busybox-static, zstd, chromium), private roots
             with CRIU 4.2 and crit (Debian unstable) and checkpointctl 1.3 (Debian 13), and a running
             Docker engine with experimental features, a test image and the checkpoint specimen; gpg,
             openssl and Azurite (npm) for the evidence tests. Prints one 'changed:' line per change
             to the machine and nothing for what is in place (tests/Setup/KForensics.MachineSetup.psm1).
             A running Docker engine it did not start is used as found, never stopped or reconfigured;
             one it starts for Test, Bench or Demo is stopped again when they end.
  Build      Compiles and lays out out/KForensics so that Import-Module ./out/KForensics works, and beside it
             out/KForensics.TestCaptures, the captures the tests and the demo are built from (not part of the module).
  Generate   Rewrites the engine's generated tables (event table and ids, the syscall, errno and signal names
             of sysdig 0.29.3, the field catalogue) with src/Generator from its data files and the -L and -lv
             lists of the installed sysdig 0.29.3. Needs what Build needs, and sysdig; runs before Build when
             both are asked. xunit fails when the checked-in tables differ from what it writes.
  Test       Bootstrap + Build, then xunit and Pester against the laid-out module in fresh processes.
             Ends with the line 'N passed, N failed[, N skipped]' and fails when anything failed.
  Bench      Bootstrap + Build, then the benchmarks against sysdig and the docker CLI.
  Demo       Bootstrap + Build, then the path-traversal investigation on a capture built on the spot,
             and the checkpoint half on the real engine: freeze, look inside, replay in a sandbox.
  Package    Build from an emptied bin/ (nothing an earlier build left there ships), then a .nupkg of
             the module in out/repository, the only file there.
  Clean      Removes out/ and every bin/ and obj/.

.EXAMPLE
dotnet tool restore && dotnet pwsh ./build.ps1 -Task Test
#>
[CmdletBinding()]
param(
    [ValidateSet('Bootstrap', 'Generate', 'Build', 'Test', 'Bench', 'Demo', 'Package', 'Clean')]
    [string[]] $Task = 'Build',

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release',

    # Runs only the Pester tests whose file name matches (for working on one area).
    [string] $PesterFilter = '*',

    # Passed to 'dotnet test --filter' (for working on one area).
    [string] $XunitFilter
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$root = $PSScriptRoot
$out = Join-Path $root 'out'
$moduleOut = Join-Path $out 'KForensics'
Import-Module (Join-Path $root 'tests/Setup/KForensics.MachineSetup.psm1') -Force
# The engine this run started for Test, Bench or Demo, stopped again at the end (see Invoke-Bootstrap).
$script:engineUse = $null

function Get-ModuleVersion {
    $props = [xml](Get-Content -Raw (Join-Path $root 'Directory.Build.props'))
    # By path: the file has more than one PropertyGroup, and only one of them sets Version.
    return [string]$props.SelectSingleNode('/Project/PropertyGroup/Version').InnerText
}

function Invoke-Native([string] $File, [string[]] $Arguments) {
    & $File @Arguments
    if ($LASTEXITCODE -ne 0) { throw "$File $($Arguments -join ' ') failed with exit code $LASTEXITCODE" }
}

function Read-KfTrx {
    param([Parameter(Mandatory)] [string] $Path)
    if (-not (Test-Path $Path)) { return [pscustomobject]@{ Passed = 0; Failed = 1; Skipped = 0 } }
    $trx = [xml](Get-Content -Raw $Path)
    $c = $trx.TestRun.ResultSummary.Counters
    # xunit's skipped tests are counted in 'total' but not in 'executed' (notExecuted stays 0).
    $skipped = [int]$c.total - [int]$c.executed
    return [pscustomobject]@{ Passed = [int]$c.passed; Failed = [int]$c.failed + [int]$c.error + [int]$c.timeout + [int]$c.aborted; Skipped = $skipped }
}

function Invoke-Bootstrap {
    # Every change made to the machine is one line ('changed: ...'); nothing is printed for what is in place.
    # Asked for itself, Bootstrap leaves a Docker engine running (restarting one it started earlier when the
    # private CRIU changed); run for Test, Bench or Demo, it never stops or restarts a running engine, and
    # one it had to start is stopped again at the end of the run (Exit-KfDockerEngineUse).
    Write-Host '== Bootstrap' -ForegroundColor Cyan
    Invoke-Native dotnet @('restore', (Join-Path $root 'KForensics.slnx'), '--verbosity', 'quiet')
    Install-KfDebianPackage -Name sysdig
    Install-KfDebianPackage -Name time
    Install-KfChromium
    Install-KfEvidenceTool
    $asked = $Task -contains 'Bootstrap'
    $handle = if (-not $asked) { Enter-KfDockerEngineUse }
    $engine = Initialize-KfDockerEngine -AllowRestart:$asked
    if ($handle) { $script:engineUse = @{ Handle = $handle; Engine = $engine } }
}

function Invoke-Build {
    Write-Host '== Build' -ForegroundColor Cyan
    $version = Get-ModuleVersion
    $bin = Join-Path $root "src/KForensics/bin/$Configuration/net8.0"
    # The layout copies every assembly in bin/; for a package that folder starts empty, so an assembly
    # left there by an earlier build (a dependency since dropped) cannot ship. MSBuild fills it again.
    if ($Task -contains 'Package' -and (Test-Path $bin)) { Remove-Item -Recurse -Force $bin }
    Invoke-Native dotnet @('build', (Join-Path $root 'KForensics.slnx'), '-c', $Configuration, '--nologo', '--verbosity', 'quiet', "-p:Version=$version")

    if (Test-Path $moduleOut) { Remove-Item -Recurse -Force $moduleOut }
    $deps = Join-Path $moduleOut 'deps'
    New-Item -ItemType Directory -Force -Path $deps | Out-Null
    # KForensics.dll loads into the default context; everything else goes to deps/ and is loaded
    # into the module's private context (see DependencyLoadContext).
    Copy-Item (Join-Path $bin 'KForensics.dll') $moduleOut
    Copy-Item (Join-Path $bin 'KForensics.Format.ps1xml') $moduleOut
    Get-ChildItem $bin -Filter '*.dll' | Where-Object Name -ne 'KForensics.dll' | Copy-Item -Destination $deps
    Get-ChildItem $bin -Directory | Where-Object Name -eq 'runtimes' | Copy-Item -Destination $deps -Recurse

    $manifest = Get-Content -Raw (Join-Path $root 'KForensics.psd1')
    $manifest = $manifest -replace "ModuleVersion\s*=\s*'[^']*'", "ModuleVersion        = '$version'"
    Set-Content -Path (Join-Path $moduleOut 'KForensics.psd1') -Value $manifest -NoNewline

    # The test captures (path-traversal scenario, hostile capture) go beside the module, never into it: the
    # tests, the benchmarks and the demo load them next to the module they import (tests/Setup/KForensics.TestSupport.psm1).
    $testCaptures = Join-Path $out 'KForensics.TestCaptures'
    if (Test-Path $testCaptures) { Remove-Item -Recurse -Force $testCaptures }
    New-Item -ItemType Directory -Force -Path $testCaptures | Out-Null
    Copy-Item (Join-Path $root "tests/KForensics.TestCaptures/bin/$Configuration/net8.0/KForensics.TestCaptures.dll") $testCaptures

    $help = Join-Path $moduleOut 'en-US'
    Invoke-Native (Join-Path $PSHOME 'pwsh') @('-NoProfile', '-NonInteractive', '-File', (Join-Path $root 'src/Help/Compile-Help.ps1'),
        '-ModulePath', $moduleOut, '-SourceDirectory', (Join-Path $root 'en-US'), '-OutputDirectory', $help)
    Write-Host "Laid out $moduleOut (version $version)"
}

function Invoke-Generate {
    Write-Host '== Generate' -ForegroundColor Cyan
    $project = Join-Path $root 'src/Generator/KForensics.Generator.csproj'
    Invoke-Native dotnet @('run', '--project', $project, '-c', $Configuration, '--verbosity', 'quiet', '--', '--root', $root)
}

function Invoke-Test {
    Write-Host '== Test' -ForegroundColor Cyan
    $results = Join-Path $out 'test'
    if (Test-Path $results) { Remove-Item -Recurse -Force $results }
    New-Item -ItemType Directory -Force -Path $results | Out-Null

    $xunitArgs = @('test', (Join-Path $root 'tests/KForensics.Tests'), '-c', $Configuration, '--no-build', '--nologo',
        '--logger', 'trx;LogFileName=xunit.trx', '--results-directory', $results, '--logger', 'console;verbosity=normal')
    if ($XunitFilter) { $xunitArgs += @('--filter', $XunitFilter) }
    & dotnet @xunitArgs | Where-Object { $_ -notmatch '^\s+Passed ' }
    $xunit = Read-KfTrx (Join-Path $results 'xunit.trx')

    $pesterJson = Join-Path $results 'pester.json'
    # The filter travels in the environment: a native command line would glob-expand it.
    $env:KF_PESTER_FILTER = $PesterFilter
    & (Join-Path $PSHOME 'pwsh') -NoProfile -NonInteractive -File (Join-Path $root 'tests/Invoke-Pester.ps1') `
        -ModulePath $moduleOut -ResultPath $pesterJson
    $pester = if (Test-Path $pesterJson) { Get-Content -Raw $pesterJson | ConvertFrom-Json } else { [pscustomobject]@{ Passed = 0; Failed = 1; Skipped = 0 } }

    $passed = $xunit.Passed + $pester.Passed
    $failed = $xunit.Failed + $pester.Failed
    $skipped = $xunit.Skipped + $pester.Skipped
    Write-Host ("xunit: {0} passed, {1} failed, {2} skipped; Pester: {3} passed, {4} failed, {5} skipped" -f
        $xunit.Passed, $xunit.Failed, $xunit.Skipped, $pester.Passed, $pester.Failed, $pester.Skipped)
    $line = "$passed passed, $failed failed"
    if ($skipped -gt 0) { $line += ", $skipped skipped" }
    Write-Output $line
    if ($failed -gt 0) { exit 1 }
}

function Invoke-Bench {
    Write-Host '== Bench' -ForegroundColor Cyan
    # Every tests/Bench/*.Bench.ps1 runs in its own fresh pwsh against the laid-out module.
    foreach ($bench in Get-ChildItem (Join-Path $root 'tests/Bench') -Filter '*.Bench.ps1' | Sort-Object Name) {
        Write-Host "-- $($bench.Name)"
        & (Join-Path $PSHOME 'pwsh') -NoProfile -NonInteractive -File $bench.FullName -ModulePath $moduleOut
        if ($LASTEXITCODE -ne 0) { throw "The benchmark $($bench.Name) failed." }
    }
}

function Invoke-Demo {
    Write-Host '== Demo' -ForegroundColor Cyan
    & (Join-Path $PSHOME 'pwsh') -NoProfile -NonInteractive -File (Join-Path $root 'tests/Demo/Invoke-Demo.ps1') -ModulePath $moduleOut
    if ($LASTEXITCODE -ne 0) { throw 'The demo failed.' }
    & (Join-Path $PSHOME 'pwsh') -NoProfile -NonInteractive -File (Join-Path $root 'tests/Demo/Invoke-CheckpointDemo.ps1') -ModulePath $moduleOut
    if ($LASTEXITCODE -ne 0) { throw 'The checkpoint demo failed.' }
}

function Invoke-Package {
    Write-Host '== Package' -ForegroundColor Cyan
    # A clean folder: the package written is the only one there (Build has just laid out the module afresh).
    $repo = Join-Path $out 'repository'
    if (Test-Path $repo) { Remove-Item -Recurse -Force $repo }
    New-Item -ItemType Directory -Force -Path $repo | Out-Null
    $name = "kforensics-package-$PID"
    Register-PSResourceRepository -Name $name -Uri $repo -Trusted
    try { Publish-PSResource -Path $moduleOut -Repository $name } finally { Unregister-PSResourceRepository -Name $name }
    Get-ChildItem $repo -Filter '*.nupkg' | ForEach-Object { Write-Host "Package: $($_.FullName)" }
}

function Invoke-Clean {
    if (Test-Path $out) { Remove-Item -Recurse -Force $out }
    Get-ChildItem $root -Recurse -Directory -Include bin, obj | Remove-Item -Recurse -Force
}

$needsBuild = $Task | Where-Object { $_ -in 'Test', 'Bench', 'Demo', 'Package' }
$plan = [System.Collections.Generic.List[string]]::new()
foreach ($t in $Task) {
    if ($t -in 'Test', 'Bench', 'Demo' -and -not $plan.Contains('Bootstrap')) { $plan.Add('Bootstrap') }
    # Build compiles the generated tables: when both are asked, Generate comes first.
    if ($Task -contains 'Generate' -and $t -notin 'Bootstrap', 'Clean' -and -not $plan.Contains('Generate')) { $plan.Add('Generate') }
    if ($needsBuild -and $t -ne 'Bootstrap' -and $t -ne 'Clean' -and -not $plan.Contains('Build')) { $plan.Add('Build') }
    if (-not $plan.Contains($t)) { $plan.Add($t) }
}
try { foreach ($t in $plan) { & "Invoke-$t" } }
finally { if ($script:engineUse) { Exit-KfDockerEngineUse @script:engineUse } }
