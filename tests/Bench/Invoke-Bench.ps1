# Runs every tests/Bench/*.Bench.ps1 against the laid-out module, each in this (fresh) process, in name order.
param([Parameter(Mandatory)] [string] $ModulePath)
$ErrorActionPreference = 'Stop'
$failed = 0
foreach ($script in Get-ChildItem $PSScriptRoot -Filter '*.Bench.ps1' | Sort-Object Name) {
    Write-Host "-- $($script.BaseName)" -ForegroundColor Cyan
    try { & $script.FullName -ModulePath $ModulePath } catch { Write-Warning "$($script.Name) failed: $_"; $failed++ }
}
if ($failed) { exit 1 }
