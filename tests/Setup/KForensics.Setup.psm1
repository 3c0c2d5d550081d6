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

function Install-KfChromium {
    <# Idempotent: Debian's chromium, which the report tests open Export-ScapReport pages in (headless). #>
    [CmdletBinding()]
    param()
    Install-KfDebianPackage -Name chromium
}

function Get-KfChromium {
    <# The chromium binary, or $null when it is not installed (the report's browser tests are then skipped). #>
    $command = Get-Command chromium -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
    if ($command) { return $command.Source }
    return $null
}

function New-KfDemoCapture {
    <#
    Writes the demo capture (the path-traversal scenario: an nginx pod and a client pod) to -Path with the
    writer of the KForensics module already imported; returns the scenario, whose properties name its pods,
    pids and URL.
    #>
    [CmdletBinding()]
    param([Parameter(Mandatory)] [string] $Path)
    # The module loads KForensics.Core into its own context when it has one (see DependencyLoadContext).
    $context = [System.Runtime.Loader.AssemblyLoadContext]::All | Where-Object Name -eq 'KForensics.Dependencies' | Select-Object -First 1
    $core = if ($context) { $context.LoadFromAssemblyName([System.Reflection.AssemblyName]::new('KForensics.Core')) }
    else { [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'KForensics.Core' } | Select-Object -First 1 }
    if (-not $core) { throw 'KForensics.Core is not loaded: import the KForensics module first.' }
    $scenario = [Activator]::CreateInstance($core.GetType('KForensics.Core.Scap.Writer.PathTraversalScenario', $true))
    $scenario.Write($Path, $false)
    return $scenario
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

# ---- Docker engine with CRIU (container checkpoints) ----------------------------------------------
# Debian 12's CRIU 3.17 fails on current kernels, so CRIU 4.1 and checkpointctl come from Debian 13,
# downloaded through a private apt configuration (the machine's own sources stay untouched) and
# unpacked into a private root; small wrappers start them through that root's own dynamic loader.
$script:KfStateRoot = '/var/lib/kforensics'
$script:KfTestImage = 'kforensics/busybox:test'

function Get-KfDebianMirror {
    # The mirror the machine already uses: the first non-security URI of its deb822 or one-line sources.
    foreach ($file in @(Get-ChildItem /etc/apt/sources.list.d -Filter '*.sources' -ErrorAction SilentlyContinue)) {
        foreach ($stanza in ((Get-Content -Raw $file.FullName) -split "`n\s*`n")) {
            $uri = [regex]::Match($stanza, '(?m)^URIs:\s*(\S+)').Groups[1].Value
            $suites = [regex]::Match($stanza, '(?m)^Suites:\s*(.+)$').Groups[1].Value
            if ($uri -and $suites -notmatch '-security') { return $uri.TrimEnd('/') }
        }
    }
    foreach ($line in @(Get-Content /etc/apt/sources.list -ErrorAction SilentlyContinue)) {
        if ($line -match '^deb\s+(\[[^\]]*\]\s+)?(\S+)\s+(\S+)' -and $Matches[3] -notmatch '-security') { return $Matches[2].TrimEnd('/') }
    }
    throw 'No Debian mirror found in the apt sources of this machine.'
}

function Get-KfCheckpointTool {
    <# The path of a wrapper (criu, checkpointctl) made by Initialize-KfDockerEngine; $null when absent. #>
    param([Parameter(Mandatory)] [ValidateSet('criu', 'checkpointctl')] [string] $Name)
    $path = Join-Path $script:KfStateRoot "bin/$Name"
    if (Test-Path $path) { return $path }
    return $null
}

function Get-KfTestImage { return $script:KfTestImage }

function Install-KfCriuRoot {
    $root = Join-Path $script:KfStateRoot 'criu-root'
    $bin = Join-Path $script:KfStateRoot 'bin'
    if (Test-Path (Join-Path $root '.complete')) { return }
    Write-Host 'Unpacking CRIU 4.1 and checkpointctl from Debian 13 into a private root'
    $apt = Join-Path $script:KfStateRoot 'apt'
    $debs = Join-Path $apt 'debs'
    foreach ($d in "$apt/lists/partial", "$apt/archives/partial", $debs, $root, $bin) { New-Item -ItemType Directory -Force -Path $d | Out-Null }
    $sources = Join-Path $apt 'sources.list'
    "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $(Get-KfDebianMirror) trixie main" | Set-Content $sources
    $opts = @("-o", "Dir::Etc::sourcelist=$sources", "-o", "Dir::Etc::sourceparts=-", "-o", "Dir::State::Lists=$apt/lists",
        "-o", "Dir::Cache::archives=$apt/archives", "-o", "Dir::Cache::pkgcache=", "-o", "Dir::Cache::srcpkgcache=", "-o", "APT::Get::List-Cleanup=0")
    & apt-get @opts update -qq | Out-Null
    if ($LASTEXITCODE -ne 0) { throw 'apt-get update of the private Debian 13 sources failed' }
    # Every package criu and checkpointctl need, recursively; they are unpacked, never installed.
    $packages = @(& apt-cache @opts depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks --no-replaces --no-enhances criu checkpointctl |
        Where-Object { $_ -match '^[a-z0-9]' } | Sort-Object -Unique)
    Push-Location $debs
    try {
        & apt-get @opts download @packages 2>&1 | Where-Object { $_ -match '^E:' } | ForEach-Object { Write-Warning $_ }
        if ($LASTEXITCODE -ne 0) { throw "apt-get download $($packages -join ' ') failed" }
    } finally { Pop-Location }
    foreach ($deb in Get-ChildItem $debs -Filter '*.deb') {
        & dpkg -x $deb.FullName $root
        if ($LASTEXITCODE -ne 0) { throw "dpkg -x $($deb.Name) failed" }
    }
    foreach ($tool in @{ Name = 'criu'; Path = 'usr/sbin/criu' }, @{ Name = 'checkpointctl'; Path = 'usr/bin/checkpointctl' }) {
        $wrapper = Join-Path $bin $tool.Name
        @(
            '#!/bin/sh'
            "R=$root"
            'L=$R/usr/lib/x86_64-linux-gnu'
            "exec `"`$L/ld-linux-x86-64.so.2`" --library-path `"`$L:`$R/lib/x86_64-linux-gnu`" `"`$R/$($tool.Path)`" `"`$@`""
        ) | Set-Content $wrapper
        & chmod 755 $wrapper
    }
    New-Item -ItemType File -Force -Path (Join-Path $root '.complete') | Out-Null
}

function Test-KfDockerExperimental {
    $out = & docker info --format '{{.ExperimentalBuild}}' 2>$null
    return $LASTEXITCODE -eq 0 -and "$out".Trim() -eq 'true'
}

function Start-KfDockerEngine {
    $configPath = '/etc/docker/daemon.json'
    $config = if (Test-Path $configPath) { Get-Content -Raw $configPath | ConvertFrom-Json -AsHashtable } else { @{} }
    if (-not $config) { $config = @{} }
    if ($config['experimental'] -ne $true) {
        $config['experimental'] = $true
        New-Item -ItemType Directory -Force -Path '/etc/docker' | Out-Null
        $config | ConvertTo-Json -Depth 10 | Set-Content $configPath
    }
    if (Test-KfDockerExperimental) { return }
    $pidFile = '/var/run/docker.pid'
    if (Test-Path $pidFile) {
        # An engine without experimental mode (or one that no longer answers): restart it with the new configuration.
        $old = [int](Get-Content $pidFile)
        if (Get-Process -Id $old -ErrorAction SilentlyContinue) {
            Write-Host "Restarting dockerd ($old) with experimental mode"
            & kill -TERM $old
            for ($i = 0; $i -lt 60 -and (Get-Process -Id $old -ErrorAction SilentlyContinue); $i++) { Start-Sleep -Milliseconds 500 }
        }
    }
    Write-Host 'Starting dockerd (experimental, CRIU 4.1 on its PATH)'
    $log = Join-Path $script:KfStateRoot 'dockerd.log'
    $bin = Join-Path $script:KfStateRoot 'bin'
    # setsid puts dockerd in its own session, so it outlives build.ps1 and a Ctrl+C in its terminal.
    & /bin/sh -c "PATH='${bin}':`"`$PATH`" setsid nohup dockerd >>'$log' 2>&1 </dev/null &"
    for ($i = 0; $i -lt 60; $i++) {
        if (Test-KfDockerExperimental) { return }
        Start-Sleep -Milliseconds 500
    }
    throw "dockerd did not come up in experimental mode; see $log"
}

function Import-KfTestImage {
    & docker image inspect $script:KfTestImage *> $null
    if ($LASTEXITCODE -eq 0) { return }
    Write-Host "Importing $script:KfTestImage from busybox-static"
    $rootfs = Join-Path ([System.IO.Path]::GetTempPath()) "kf-busybox-$PID"
    New-Item -ItemType Directory -Force -Path "$rootfs/bin", "$rootfs/tmp", "$rootfs/var" | Out-Null
    try {
        Copy-Item /bin/busybox "$rootfs/bin/busybox"
        foreach ($applet in (& /bin/busybox --list)) {
            if ($applet -ne 'busybox') { New-Item -ItemType SymbolicLink -Path "$rootfs/bin/$applet" -Target 'busybox' -ErrorAction SilentlyContinue | Out-Null }
        }
        & /bin/sh -c "tar -C '$rootfs' -c . | docker import -c 'CMD [""/bin/sh""]' - '$script:KfTestImage'" | Out-Null
        if ($LASTEXITCODE -ne 0) { throw "docker import of $script:KfTestImage failed" }
    } finally { Remove-Item -Recurse -Force $rootfs }
}

function Initialize-KfDockerEngine {
    <# Idempotent: Docker (experimental) with CRIU 4.1 on dockerd's PATH, checkpointctl, and the test image. #>
    [CmdletBinding()]
    param()
    if (-not (Test-KfDebianRoot)) {
        Write-Warning 'Not Debian as root: the Docker engine with CRIU is not set up; checkpoint tests are skipped.'
        return
    }
    Install-KfDebianPackage -Name docker.io, busybox-static
    Install-KfCriuRoot
    Start-KfDockerEngine
    $check = & (Get-KfCheckpointTool -Name criu) check 2>&1
    if ($LASTEXITCODE -ne 0) { Write-Warning "criu check failed: $($check -join ' ')" }
    Import-KfTestImage
}

Export-ModuleMember -Function *-Kf*
