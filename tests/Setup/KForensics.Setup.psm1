# Machine set-up used by build.ps1: idempotent, quiet when everything is already in place.
Set-StrictMode -Version Latest

function Test-KfDebianRoot {
    return $IsLinux -and (Test-Path /etc/debian_version) -and ((& id -u) -eq '0')
}

function Install-KfDebianPackage {
    [CmdletBinding()]
    param([Parameter(Mandatory)] [string[]] $Name)
    if (-not (Test-KfDebianRoot)) {
        Write-Warning "Not Debian as root: install $($Name -join ', ') yourself; tests that need them are skipped."
        return
    }
    $missing = @($Name | Where-Object { (& dpkg-query -W -f '${Status}' $_ 2>$null) -ne 'install ok installed' })
    if (-not $missing) { return }
    Write-Host "Installing Debian packages: $($missing -join ', ')"
    $env:DEBIAN_FRONTEND = 'noninteractive'
    $lists = @(Get-ChildItem /var/lib/apt/lists -File -ErrorAction SilentlyContinue | Where-Object Name -like '*Packages*')
    if (-not $lists) { & apt-get update -qq | Out-Null }
    & apt-get install -y -qq --no-install-recommends @missing 2>&1 | Where-Object { $_ -match '^(E:|W:)' } | ForEach-Object { Write-Warning $_ }
    if ($LASTEXITCODE -ne 0) {
        & apt-get update -qq | Out-Null
        & apt-get install -y -qq --no-install-recommends @missing | Out-Null
        if ($LASTEXITCODE -ne 0) { throw "apt-get install $($missing -join ' ') failed" }
    }
}

function Read-KfTrx {
    param([Parameter(Mandatory)] [string] $Path)
    if (-not (Test-Path $Path)) { return [pscustomobject]@{ Passed = 0; Failed = 1; Skipped = 0 } }
    $trx = [xml](Get-Content -Raw $Path)
    $c = $trx.TestRun.ResultSummary.Counters
    $skipped = [int]$c.notExecuted
    return [pscustomobject]@{ Passed = [int]$c.passed; Failed = [int]$c.failed + [int]$c.error + [int]$c.timeout + [int]$c.aborted; Skipped = $skipped }
}

Export-ModuleMember -Function *-Kf*
