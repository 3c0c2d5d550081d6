# Runs the Pester tests against the laid-out module in this (fresh) process and writes the counts as JSON.
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $ResultPath,
    [string] $Filter = $(if ($env:KF_PESTER_FILTER) { $env:KF_PESTER_FILTER } else { '*' })
)
$ErrorActionPreference = 'Stop'
$pester = Get-ChildItem (Join-Path ([Environment]::GetFolderPath('UserProfile')) '.nuget/packages/pester/6.2.0/tools/Pester.psd1') -ErrorAction SilentlyContinue
if (-not $pester) {
    $nugetRoot = (& dotnet nuget locals global-packages --list) -replace '^global-packages:\s*', ''
    $pester = Get-Item (Join-Path $nugetRoot.Trim() 'pester/6.2.0/tools/Pester.psd1')
}
Import-Module $pester.FullName -Force
$env:KF_MODULE_PATH = (Resolve-Path $ModulePath).Path
$config = New-PesterConfiguration
# The filter is one or more file-name wildcards without ".Tests.ps1", separated by '|' or ',' (ScapViews|Evidence*).
$patterns = @($Filter -split '[|,]' | ForEach-Object Trim | Where-Object { $_ })
$config.Run.Path = @($patterns | ForEach-Object { Get-ChildItem (Join-Path $PSScriptRoot 'Pester') -Filter "$_.Tests.ps1" } |
    Sort-Object FullName -Unique | ForEach-Object FullName)
if (-not $config.Run.Path.Value.Count) {
    Write-Warning "No Pester file matches '$Filter' (tests/Pester/<name>.Tests.ps1): no Pester test runs."
}
$config.Run.PassThru = $true
$config.Output.Verbosity = 'Normal'
$result = if ($config.Run.Path.Value.Count) { Invoke-Pester -Configuration $config } else { $null }
$counts = [pscustomobject]@{
    Passed  = if ($result) { $result.PassedCount } else { 0 }
    Failed  = if ($result) { $result.FailedCount + $result.FailedBlocksCount + $result.FailedContainersCount } else { 0 }
    Skipped = if ($result) { $result.SkippedCount } else { 0 }
}
$counts | ConvertTo-Json | Set-Content $ResultPath
