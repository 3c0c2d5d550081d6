# Machine set-up, used by build.ps1 -Task Bootstrap: idempotent, and explicit about what it changes. Every
# change to the machine prints one line saying what was changed; nothing is printed for what is already in
# place. A Docker engine this set-up did not start is never stopped or reconfigured (see Start-KfDockerEngine).
# What the tests use of it (where the tools are, how to drive them) is in KForensics.TestSupport.psm1.
Set-StrictMode -Version Latest
Import-Module (Join-Path $PSScriptRoot 'KForensics.TestSupport.psm1')

# Debian 12's CRIU 3.17 fails on current kernels and CRIU 4.1 (Debian 13) cannot dump a listening TCP
# socket on them, so CRIU 4.2 (with crit) comes from Debian unstable and checkpointctl 1.3 from
# Debian 13. Both are downloaded through private apt configurations (the machine's own sources stay
# untouched) and unpacked into private roots, never installed; small wrappers start the binaries
# through their root's own dynamic loader, and crit runs on the machine's Debian python3.
$script:KfStateRoot = Get-KfStateRoot
$script:KfCriuSuite = 'sid'
$script:KfCriuMarker = '.complete-4.2'
$script:KfCriuSeries = '4.2'
$script:KfCheckpointctlSuite = 'trixie'
$script:KfCheckpointctlMarker = '.complete-1.3'
$script:KfAptUpdated = @{}
# Azurite comes from npm with the machine's own npm configuration, into a private prefix; 3.35 is the last
# release that still runs on the Node.js 20 Debian and these images ship.
$script:KfAzuriteVersion = '3.35.0'

function Write-KfChange {
    # The one way the set-up reports a change it made to the machine.
    param([Parameter(Mandatory)] [string] $Message)
    Write-Host "  changed: $Message"
}

function Install-KfDebianPackage {
    <# Idempotent: the Debian packages -Name (with what they depend on), through the machine's own apt sources. #>
    [CmdletBinding()]
    param([Parameter(Mandatory)] [string[]] $Name)
    if (-not (Test-KfDebianRoot)) {
        Write-Warning "Not Debian as root: install $($Name -join ', ') yourself; tests that need them are skipped."
        return
    }
    $missing = @($Name | Where-Object { (& dpkg-query -W -f '${Status}' $_ 2>$null) -ne 'install ok installed' })
    if (-not $missing) { return }
    $env:DEBIAN_FRONTEND = 'noninteractive'
    $lists = @(Get-ChildItem /var/lib/apt/lists -File -ErrorAction SilentlyContinue | Where-Object Name -like '*Packages*')
    if (-not $lists) { Update-KfAptList }
    & apt-get install -y -qq --no-install-recommends @missing 2>&1 | Where-Object { $_ -match '^(E:|W:)' } | ForEach-Object { Write-Warning $_ }
    if ($LASTEXITCODE -ne 0) {
        Update-KfAptList
        & apt-get install -y -qq --no-install-recommends @missing | Out-Null
        if ($LASTEXITCODE -ne 0) { throw "apt-get install $($missing -join ' ') failed" }
    }
    Write-KfChange "installed the Debian packages $($missing -join ', ') and what they depend on (apt-get install)"
}

function Install-KfChromium {
    <# Idempotent: Debian's chromium, which the report tests open Export-ScapReport pages in (headless). #>
    [CmdletBinding()]
    param()
    Install-KfDebianPackage -Name chromium
}

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

function Get-KfPrivateAptOption {
    <#
    The apt-get/apt-cache options of a private apt state for one Debian suite ($KfStateRoot/apt/<suite>):
    its own sources list, package lists and archive cache. The lists are refreshed once per session.
    #>
    param([Parameter(Mandatory)] [string] $Suite)
    $apt = Join-Path $script:KfStateRoot "apt/$Suite"
    foreach ($d in "$apt/lists/partial", "$apt/archives/partial") { New-Item -ItemType Directory -Force -Path $d | Out-Null }
    $sources = Join-Path $apt 'sources.list'
    $line = "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $(Get-KfDebianMirror) $Suite main"
    if (-not (Test-Path $sources) -or (Get-Content -Raw $sources).Trim() -ne $line) { $line | Set-Content $sources }
    $opts = @('-o', "Dir::Etc::sourcelist=$sources", '-o', 'Dir::Etc::sourceparts=-', '-o', "Dir::State::Lists=$apt/lists",
        '-o', "Dir::Cache::archives=$apt/archives", '-o', 'Dir::Cache::pkgcache=', '-o', 'Dir::Cache::srcpkgcache=', '-o', 'APT::Get::List-Cleanup=0')
    if (-not $script:KfAptUpdated[$Suite]) {
        & apt-get @opts update -qq | Out-Null
        if ($LASTEXITCODE -ne 0) { throw "apt-get update of the private Debian '$Suite' sources failed" }
        $script:KfAptUpdated[$Suite] = $true
    }
    return $opts
}

function Install-KfDebianRoot {
    <#
    Unpacks Debian packages of -Suite into the private root -Root (apt-get download + dpkg -x, never
    installed): -Package with every package they depend on, recursively, and -Standalone without their
    dependencies. The root is rebuilt from scratch unless it holds -Marker; returns $true when it was.
    #>
    param(
        [Parameter(Mandatory)] [string] $Suite,
        [Parameter(Mandatory)] [string] $Root,
        [Parameter(Mandatory)] [string] $Marker,
        [string[]] $Package = @(),
        [string[]] $Standalone = @()
    )
    if (Test-Path (Join-Path $Root $Marker)) { return $false }
    $opts = Get-KfPrivateAptOption -Suite $Suite
    $packages = @()
    if ($Package) {
        $packages = @(& apt-cache @opts depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks --no-replaces --no-enhances @Package |
            Where-Object { $_ -match '^[a-z0-9]' })
    }
    $packages = @($packages + $Standalone | Sort-Object -Unique)
    $debs = Join-Path $script:KfStateRoot "apt/$Suite/debs-$(Split-Path -Leaf $Root)"
    if (Test-Path $debs) { Remove-Item -Recurse -Force $debs }
    if (Test-Path $Root) { Remove-Item -Recurse -Force $Root }
    New-Item -ItemType Directory -Force -Path $debs, $Root | Out-Null
    Push-Location $debs
    try {
        # apt-get warns that the download is unsandboxed (the _apt user cannot write here); only errors matter.
        & apt-get @opts download @packages 2>&1 | Where-Object { $_ -match '^E:' } | ForEach-Object { Write-Warning $_ }
        if ($LASTEXITCODE -ne 0) { throw "apt-get download $($packages -join ' ') failed" }
    } finally { Pop-Location }
    $files = @(Get-ChildItem $debs -Filter '*.deb' | Sort-Object Name)
    foreach ($deb in $files) {
        & dpkg -x $deb.FullName $Root
        if ($LASTEXITCODE -ne 0) { throw "dpkg -x $($deb.Name) failed" }
    }
    Remove-Item -Recurse -Force $debs
    $files.Name | Set-Content (Join-Path $Root $Marker)
    return $true
}

function Set-KfExecutable {
    # Writes an executable script only when its text changed, through a new file renamed into place, so
    # that a shell running the old one (sh reads scripts as it goes) keeps reading the old file.
    param([Parameter(Mandatory)] [string] $Path, [Parameter(Mandatory)] [string[]] $Line)
    $text = ($Line -join "`n") + "`n"
    if ((Test-Path $Path) -and [System.IO.File]::ReadAllText($Path) -eq $text) { return }
    New-Item -ItemType Directory -Force -Path (Split-Path $Path) | Out-Null
    $temp = "$Path.new-$PID"
    [System.IO.File]::WriteAllText($temp, $text)
    & chmod 755 $temp
    Move-Item -Force -LiteralPath $temp $Path
    Write-KfChange "wrote the wrapper $Path"
}

function Set-KfRootWrapper {
    # A shell wrapper $KfStateRoot/bin/<Name> that runs <Root>/<Program> through that root's own dynamic loader.
    param([Parameter(Mandatory)] [string] $Name, [Parameter(Mandatory)] [string] $Root, [Parameter(Mandatory)] [string] $Program)
    Set-KfExecutable -Path (Join-Path $script:KfStateRoot "bin/$Name") -Line @(
        '#!/bin/sh'
        "R=$Root"
        'L=$R/usr/lib/x86_64-linux-gnu'
        "exec `"`$L/ld-linux-x86-64.so.2`" --library-path `"`$L:`$R/lib/x86_64-linux-gnu`" `"`$R/$Program`" `"`$@`""
    )
}

function Set-KfCriuWrapper {
    <#
    $KfStateRoot/bin/criu: CRIU through its root's dynamic loader, like Set-KfRootWrapper, but not exec'd.
    runc starts `criu swrk` with --work-path and --image-path on its own command line; Docker's shim
    removes the work directory right after a checkpoint, and with it CRIU's stats-dump (which
    checkpointctl inspect --stats needs). So after a successful swrk the wrapper copies a stats-dump
    from runc's work directory next to the images, and Docker keeps it in the checkpoint directory.
    #>
    param([Parameter(Mandatory)] [string] $Root)
    Set-KfExecutable -Path (Join-Path $script:KfStateRoot 'bin/criu') -Line @(
        '#!/bin/sh'
        "R=$Root"
        'L=$R/usr/lib/x86_64-linux-gnu'
        '"$L/ld-linux-x86-64.so.2" --library-path "$L:$R/lib/x86_64-linux-gnu" "$R/usr/sbin/criu" "$@"'
        'rc=$?'
        'if [ "$1" = swrk ] && [ "$rc" -eq 0 ] && [ -r "/proc/$PPID/cmdline" ]; then'
        '    work= images='
        '    set -- $(tr ''\000'' '' '' < "/proc/$PPID/cmdline")'
        '    while [ $# -gt 1 ]; do'
        '        case "$1" in --work-path) work=$2 ;; --image-path) images=$2 ;; esac'
        '        shift'
        '    done'
        '    if [ -n "$work" ] && [ -n "$images" ] && [ -f "$work/stats-dump" ] && [ -d "$images" ] && [ ! -e "$images/stats-dump" ]; then'
        '        cp "$work/stats-dump" "$images/stats-dump"'
        '    fi'
        'fi'
        'exit $rc'
    )
}

function Get-KfCriuRootProblem {
    <#
    Why the private CRIU root must be unpacked afresh, or $null when it is fine: it is complete (its
    marker), its criu reports a version, that version is the one recorded in $KfStateRoot/criu-version
    when the root was unpacked, and it is of the series the set-up wants ($KfCriuSeries).
    #>
    $criuRoot = Join-Path $script:KfStateRoot 'criu-root'
    $versionFile = Join-Path $script:KfStateRoot 'criu-version'
    $recorded = if (Test-Path $versionFile) { (Get-Content -Raw $versionFile).Trim() } else { '' }
    if (-not (Test-Path (Join-Path $criuRoot $script:KfCriuMarker))) { return 'no complete root was there' }
    $actual = Get-KfRootCriuVersion -Root $criuRoot
    if (-not $actual) { return 'the criu of the root there reports no version' }
    if (-not $recorded) { return "no version was recorded for the CRIU $actual there" }
    if ($recorded -ne $actual) { return "the criu there reports $actual, but $recorded was recorded when it was unpacked" }
    if (-not (Test-KfCriuSeries $actual)) { return "the root there holds CRIU $actual, not $script:KfCriuSeries" }
    return $null
}

function Install-KfCriuRoot {
    <#
    Idempotent: CRIU 4.2 with crit (python3-pycriu and python3-protobuf, pure Python) from Debian unstable
    in $KfStateRoot/criu-root, checkpointctl 1.3 from Debian 13 in $KfStateRoot/checkpointctl-root, and
    the wrappers criu, crit and checkpointctl in $KfStateRoot/bin. When it unpacks CRIU it records the
    version that root's criu reports in $KfStateRoot/criu-version; every run checks that the root is
    complete, that its criu still reports the recorded version and that the version is of the 4.2 series,
    and unpacks the root afresh when any of these fails.
    #>
    [CmdletBinding()]
    param()
    $criuRoot = Join-Path $script:KfStateRoot 'criu-root'
    $ctlRoot = Join-Path $script:KfStateRoot 'checkpointctl-root'
    $versionFile = Join-Path $script:KfStateRoot 'criu-version'
    $marker = Join-Path $criuRoot $script:KfCriuMarker
    $unpacked = Test-Path $marker
    $why = Get-KfCriuRootProblem
    if ($why) {
        # crit runs on the machine's own Debian python3; pycriu and protobuf are pure Python.
        Install-KfDebianPackage -Name python3
        # Install-KfDebianRoot keeps a root that holds its marker.
        if ($unpacked) { Remove-Item -LiteralPath $marker -Force }
        Install-KfDebianRoot -Suite $script:KfCriuSuite -Root $criuRoot -Marker $script:KfCriuMarker `
            -Package criu -Standalone python3-pycriu, python3-protobuf | Out-Null
        $actual = Get-KfRootCriuVersion -Root $criuRoot
        if (-not (Test-KfCriuSeries $actual)) {
            Remove-Item -LiteralPath $marker -Force
            throw "Debian '$script:KfCriuSuite' gave CRIU '$actual', not $script:KfCriuSeries: set `$KfCriuSeries and `$KfCriuMarker in $PSCommandPath to a series it has."
        }
        $actual | Set-Content $versionFile
        Write-KfChange "unpacked CRIU $actual with crit from Debian '$script:KfCriuSuite' into $criuRoot and recorded its version in $versionFile ($why)"
        # Left over by the 4.1 set-up, which kept one apt state for Debian 13 directly under apt/.
        foreach ($old in 'debs', 'lists', 'archives', 'sources.list') {
            $path = Join-Path $script:KfStateRoot "apt/$old"
            if (Test-Path $path) { Remove-Item -Recurse -Force $path; Write-KfChange "removed $path (an earlier set-up's apt state)" }
        }
    }
    if (-not (Test-Path (Join-Path $ctlRoot $script:KfCheckpointctlMarker))) {
        Install-KfDebianRoot -Suite $script:KfCheckpointctlSuite -Root $ctlRoot -Marker $script:KfCheckpointctlMarker -Package checkpointctl | Out-Null
        Write-KfChange "unpacked checkpointctl from Debian '$script:KfCheckpointctlSuite' into $ctlRoot"
    }
    Set-KfCriuWrapper -Root $criuRoot
    Set-KfRootWrapper -Name checkpointctl -Root $ctlRoot -Program 'usr/bin/checkpointctl'
    Set-KfExecutable -Path (Join-Path $script:KfStateRoot 'bin/crit') -Line @(
        '#!/bin/sh'
        "R=$criuRoot"
        '# -s: no user site-packages; the private pycriu and protobuf come first on the path.'
        'PYTHONPATH="$R/usr/lib/python3/dist-packages${PYTHONPATH:+:$PYTHONPATH}" exec /usr/bin/python3 -s "$R/usr/bin/crit" "$@"'
    )
}

function Start-KfDockerEngine {
    <#
    Idempotent: a local dockerd in experimental mode with $KfStateRoot/bin first on its PATH, so that runc
    finds the private criu. An engine this set-up did not start is never stopped or reconfigured: it is
    used as it is, with a warning when it cannot take checkpoints with the private CRIU. When no engine
    runs, one is started (experimental mode through its command line or a private copy of
    /etc/docker/daemon.json; the machine's daemon.json is only read) and recorded in $KfStateRoot/dockerd.json.
    An engine recorded there that was started with another CRIU, or without experimental mode, is
    restarted only with -AllowRestart. Returns Pid and Started (whether this call started it).
    #>
    [CmdletBinding()]
    param([switch] $AllowRestart)
    # One run at a time looks for, starts or restarts the engine.
    $lock = Open-KfLockFile -Path (Join-Path $script:KfStateRoot 'dockerd.start') -Share None
    try { Start-KfDockerEngineLocked -AllowRestart:$AllowRestart } finally { $lock.Dispose() }
}

function Open-KfLockFile {
    # Opens -Path with -Share (None: an exclusive flock, anything else a shared one, as .NET does on Linux), waiting up to 60 s.
    param([Parameter(Mandatory)] [string] $Path, [Parameter(Mandatory)] [System.IO.FileShare] $Share)
    New-Item -ItemType Directory -Force -Path (Split-Path $Path) | Out-Null
    $deadline = [DateTime]::UtcNow.AddSeconds(60)
    while ($true) {
        try { return [System.IO.File]::Open($Path, 'OpenOrCreate', 'ReadWrite', $Share) }
        catch [System.IO.IOException] { if ([DateTime]::UtcNow -gt $deadline) { throw "$Path stayed locked for 60 s" } }
        Start-Sleep -Milliseconds 250
    }
}

function Start-KfDockerEngineLocked {
    param([switch] $AllowRestart)
    $criu = "$(Get-KfCriuVersion)"
    $bin = Join-Path $script:KfStateRoot 'bin'
    $engine = Get-KfDockerEngine
    if ($engine) {
        $experimental = Test-KfDockerExperimental
        if (-not $engine.Ours) {
            $lacks = @()
            if (-not $experimental) { $lacks += 'it is not in experimental mode' }
            if (-not $engine.OnPath) { $lacks += "$bin does not lead its PATH (runc under it will not use the private CRIU $criu)" }
            if ($lacks) {
                Write-Warning ("The running dockerd ($($engine.Pid)) was not started by this set-up and is left as it is, although " +
                    "$($lacks -join ' and '); checkpoint tests may fail or be skipped. Stop it to let the set-up start its own.")
            }
            return [pscustomobject]@{ Pid = $engine.Pid; Started = $false }
        }
        $why = if (-not $experimental) { 'it was not in experimental mode' }
        elseif ($engine.Criu -ne $criu) { "it was started with CRIU $($engine.Criu), and the private CRIU is now $criu" }
        else { $null }
        if (-not $why) { return [pscustomobject]@{ Pid = $engine.Pid; Started = $false } }
        if (-not $AllowRestart) {
            Write-Warning "dockerd ($($engine.Pid)) is left running although $why; build.ps1 -Task Bootstrap restarts it."
            return [pscustomobject]@{ Pid = $engine.Pid; Started = $false }
        }
        Stop-KfDockerEngine -Id $engine.Pid -Reason $why
    }

    $arguments = @()
    $machineConfig = '/etc/docker/daemon.json'
    $config = if (Test-Path $machineConfig) { Get-Content -Raw $machineConfig | ConvertFrom-Json -AsHashtable } else { $null }
    if (-not $config -or -not $config.ContainsKey('experimental')) { $arguments += '--experimental' }
    elseif ($config['experimental'] -ne $true) {
        # dockerd refuses a setting made both on its command line and in its file: a private copy that turns it on.
        $config['experimental'] = $true
        $private = Join-Path $script:KfStateRoot 'daemon.json'
        $config | ConvertTo-Json -Depth 10 | Set-Content $private
        $arguments += @('--config-file', $private)
    }
    $log = Join-Path $script:KfStateRoot 'dockerd.log'
    # setsid puts dockerd in its own session, so it outlives build.ps1 and a Ctrl+C in its terminal.
    & /bin/sh -c "PATH='${bin}':`"`$PATH`" setsid nohup dockerd $($arguments -join ' ') >>'$log' 2>&1 </dev/null &"
    for ($i = 0; $i -lt 60; $i++) {
        if (Test-KfDockerExperimental) {
            $started = Get-KfDockerEngine
            if (-not $started) { break }
            [pscustomobject]@{ Pid = $started.Pid; StartTime = Get-KfProcessStartTime -Id $started.Pid; Criu = $criu } |
                ConvertTo-Json | Set-Content (Join-Path $script:KfStateRoot 'dockerd.json')
            Write-KfChange "started dockerd ($($started.Pid)) in experimental mode with the private CRIU $criu on its PATH (log: $log)"
            return [pscustomobject]@{ Pid = $started.Pid; Started = $true }
        }
        Start-Sleep -Milliseconds 500
    }
    throw "dockerd did not come up in experimental mode; see $log"
}

function Import-KfTestImage {
    <# Idempotent: the image $KfTestImage, busybox-static's busybox with a link per applet. #>
    $image = Get-KfTestImage
    & docker image inspect $image *> $null
    if ($LASTEXITCODE -eq 0) { return }
    $rootfs = Join-Path ([System.IO.Path]::GetTempPath()) "kf-busybox-$PID"
    New-Item -ItemType Directory -Force -Path "$rootfs/bin", "$rootfs/tmp", "$rootfs/var" | Out-Null
    try {
        Copy-Item /bin/busybox "$rootfs/bin/busybox"
        foreach ($applet in (& /bin/busybox --list)) {
            if ($applet -ne 'busybox') { New-Item -ItemType SymbolicLink -Path "$rootfs/bin/$applet" -Target 'busybox' -ErrorAction SilentlyContinue | Out-Null }
        }
        & /bin/sh -c "tar -C '$rootfs' -c . | docker import -c 'CMD [""/bin/sh""]' - '$image'" | Out-Null
        if ($LASTEXITCODE -ne 0) { throw "docker import of $image failed" }
    } finally { Remove-Item -Recurse -Force $rootfs }
    Write-KfChange "imported the image $image (busybox-static) into the engine"
}

function Initialize-KfDockerEngine {
    <#
    Idempotent: Docker with the private CRIU 4.2 on dockerd's PATH, checkpointctl, crit, runc.conf, the test
    and specimen images. Returns what Start-KfDockerEngine returned (Pid, Started), or $null when not Debian
    as root. -AllowRestart lets it restart an engine it started earlier (see Start-KfDockerEngine).
    #>
    [CmdletBinding()]
    param([switch] $AllowRestart)
    if (-not (Test-KfDebianRoot)) {
        Write-Warning 'Not Debian as root: the Docker engine with CRIU is not set up; checkpoint tests are skipped.'
        return $null
    }
    Install-KfDebianPackage -Name docker.io, busybox-static, zstd
    Install-KfCriuRoot
    Set-KfCriuRuncConfig
    $engine = Start-KfDockerEngine -AllowRestart:$AllowRestart
    $check = & (Get-KfCheckpointTool -Name criu) check 2>&1
    if ($LASTEXITCODE -ne 0) { Write-Warning "criu check failed: $($check -join ' ')" }
    Import-KfTestImage
    Install-KfSpecimenImage
    return $engine
}

function Set-KfCriuRuncConfig {
    <#
    Idempotent: /etc/criu/runc.conf, which runc hands to CRIU on every checkpoint and restore (unless a
    container names its own file in the annotation org.criu.config), asks for tcp-established: Docker
    never asks for it, and without it CRIU refuses any container with a connected TCP socket
    ("Connected TCP socket, consider using --tcp-established option"). A file that is there already keeps
    its own lines; the option is added at its end.
    #>
    [CmdletBinding()]
    param()
    if (Test-KfCriuRuncConfig) { return }
    $path = '/etc/criu/runc.conf'
    New-Item -ItemType Directory -Force -Path (Split-Path $path) | Out-Null
    if (Test-Path $path) {
        $text = [System.IO.File]::ReadAllText($path)
        if ($text -and -not $text.EndsWith("`n")) { $text += "`n" }
        [System.IO.File]::WriteAllText($path, $text + "# Added by the KForensics machine set-up (tests/Setup).`ntcp-established`n")
        Write-KfChange "added tcp-established to $path (runc passes it to CRIU)"
    } else {
        [System.IO.File]::WriteAllText($path, "# Written by the KForensics machine set-up (tests/Setup): runc passes this file to CRIU.`ntcp-established`n")
        Write-KfChange "wrote $path with tcp-established (runc passes it to CRIU)"
    }
}

function Install-KfSpecimenImage {
    <#
    Idempotent: the image kforensics/specimen:test, the busybox test image plus /specimen (specimen.c
    built with gcc -static -pthread). The image's label org.kforensics.specimen.sha256 is the SHA-256 of
    the specimen.c it was built from; a different source rebuilds it.
    #>
    [CmdletBinding()]
    param()
    if (Test-KfSpecimenImage) { return }
    $build = Get-KfSpecimenBuild
    Install-KfDebianPackage -Name gcc, libc6-dev
    Import-KfTestImage
    $work = Join-Path ([System.IO.Path]::GetTempPath()) "kf-specimen-$PID"
    New-Item -ItemType Directory -Force -Path $work | Out-Null
    $builder = "kf-specimen-build-$PID"
    try {
        $binary = Join-Path $work 'specimen'
        $log = & gcc -static -pthread -O2 -Wall -o $binary $build.Source 2>&1
        if ($LASTEXITCODE -ne 0) { throw "gcc failed on specimen.c: $($log -join "`n")" }
        & docker create --name $builder (Get-KfTestImage) /specimen | Out-Null
        if ($LASTEXITCODE -ne 0) { throw "docker create from $(Get-KfTestImage) failed" }
        & docker cp $binary "${builder}:/specimen" | Out-Null
        if ($LASTEXITCODE -ne 0) { throw 'docker cp of the specimen failed' }
        & docker commit --change 'CMD ["/specimen"]' --change "LABEL $($build.Label)=$($build.Hash)" $builder $build.Image | Out-Null
        if ($LASTEXITCODE -ne 0) { throw "docker commit of $($build.Image) failed" }
    } finally {
        & docker rm -f $builder *> $null
        Remove-Item -Recurse -Force $work
    }
    Write-KfChange "built the image $($build.Image) from specimen.c ($($build.Hash.Substring(0, 12)))"
}

function Install-KfEvidenceTool {
    <# Idempotent: gpg and openssl (Debian packages) and Azurite $KfAzuriteVersion (npm, private prefix). #>
    [CmdletBinding()]
    param()
    Install-KfDebianPackage -Name gnupg, openssl
    $prefix = Get-KfAzuritePrefix
    $package = Join-Path $prefix 'node_modules/azurite/package.json'
    if ((Test-Path $package) -and (Get-Content -Raw $package | ConvertFrom-Json).version -eq $script:KfAzuriteVersion) { return }
    if (-not (Get-Command npm -CommandType Application -ErrorAction SilentlyContinue)) { Install-KfDebianPackage -Name nodejs, npm }
    if (-not (Get-Command npm -CommandType Application -ErrorAction SilentlyContinue)) {
        Write-Warning 'npm is not installed: the Send-Evidence tests need Azurite and will fail.'
        return
    }
    New-Item -ItemType Directory -Force -Path $prefix | Out-Null
    & npm install --no-audit --no-fund --loglevel=error --prefix $prefix "azurite@$($script:KfAzuriteVersion)" | Out-Null
    if ($LASTEXITCODE -ne 0) { throw "npm install azurite@$($script:KfAzuriteVersion) failed" }
    Write-KfChange "installed Azurite $($script:KfAzuriteVersion) into $prefix (npm)"
}

function Update-KfAptList {
    & apt-get update -qq | Out-Null
    if ($LASTEXITCODE -ne 0) { throw 'apt-get update failed' }
    Write-KfChange 'refreshed the package lists of the machine''s apt sources (apt-get update)'
}

function Get-KfRootCriuVersion {
    # The version that the criu of a private root reports (criu --version through the root's own loader), or $null.
    param([Parameter(Mandatory)] [string] $Root)
    $lib = "$Root/usr/lib/x86_64-linux-gnu"
    $loader = "$lib/ld-linux-x86-64.so.2"
    if (-not (Test-Path $loader) -or -not (Test-Path "$Root/usr/sbin/criu")) { return $null }
    $text = & $loader --library-path "${lib}:$Root/lib/x86_64-linux-gnu" "$Root/usr/sbin/criu" --version 2>&1
    $match = [regex]::Match("$text", 'Version:\s*([0-9][0-9.]*)')
    if ($match.Success) { return $match.Groups[1].Value }
    return $null
}

function Test-KfCriuSeries {
    # Whether a CRIU version is of the series the set-up wants ($KfCriuSeries: 4.2 is 4.2, 4.2.1, ...).
    param([string] $Version)
    return $Version -and ($Version -eq $script:KfCriuSeries -or $Version.StartsWith("$script:KfCriuSeries."))
}

function Get-KfProcessStartTime {
    # A process's start time in clock ticks since boot (/proc/<pid>/stat field 22): with the pid, it names one process.
    param([Parameter(Mandatory)] [int] $Id)
    $stat = Get-Content -Raw "/proc/$Id/stat" -ErrorAction SilentlyContinue
    if (-not $stat) { return $null }
    # The fields after the command (which may hold spaces) start with field 3.
    return ($stat.Substring($stat.LastIndexOf(')') + 2) -split ' ')[19]
}

function Get-KfDockerEngine {
    <#
    The running local dockerd, or $null: Pid; Ours, whether this set-up started it (it recorded that
    process, pid and start time, in $KfStateRoot/dockerd.json); Criu, the CRIU it was started with when
    ours; OnPath, whether the private $KfStateRoot/bin leads its PATH (runc then finds the private criu).
    #>
    $id = $null
    $pidFile = '/var/run/docker.pid'
    if (Test-Path $pidFile) {
        $candidate = [int]"$(Get-Content -Raw $pidFile)".Trim()
        if ("$(Get-Content -Raw "/proc/$candidate/comm" -ErrorAction SilentlyContinue)".Trim() -eq 'dockerd') { $id = $candidate }
    }
    if (-not $id) {
        $id = Get-ChildItem /proc -Directory -ErrorAction SilentlyContinue | Where-Object { $_.Name -match '^\d+$' } |
            Where-Object { "$(Get-Content -Raw "$($_.FullName)/comm" -ErrorAction SilentlyContinue)".Trim() -eq 'dockerd' } |
            ForEach-Object { [int]$_.Name } | Select-Object -First 1
    }
    if (-not $id) { return $null }
    $record = Get-KfDockerEngineRecord
    $ours = $record -and $record.Pid -eq $id -and $record.StartTime -eq (Get-KfProcessStartTime -Id $id)
    $environ = "$(Get-Content -Raw "/proc/$id/environ" -ErrorAction SilentlyContinue)" -split "`0"
    $path = @($environ | Where-Object { $_ -like 'PATH=*' }) | Select-Object -First 1
    $bin = Join-Path $script:KfStateRoot 'bin'
    [pscustomobject]@{
        Pid    = $id
        Ours   = [bool]$ours
        Criu   = if ($ours) { "$($record.Criu)" } else { '' }
        OnPath = [bool]$path -and ($path.Substring(5) -split ':')[0] -eq $bin
    }
}

function Get-KfDockerEngineRecord {
    $file = Join-Path $script:KfStateRoot 'dockerd.json'
    if (-not (Test-Path $file)) { return $null }
    return Get-Content -Raw $file | ConvertFrom-Json
}

function Stop-KfDockerEngine {
    <# Stops the dockerd -Id, which must be one this set-up started (recorded in $KfStateRoot/dockerd.json); any other is refused. #>
    [CmdletBinding()]
    param([Parameter(Mandatory)] [int] $Id, [string] $Reason)
    $engine = Get-KfDockerEngine
    if (-not $engine -or $engine.Pid -ne $Id) { return }
    if (-not $engine.Ours) { throw "dockerd ($Id) was not started by this set-up: it is not stopped." }
    & kill -TERM $Id
    for ($i = 0; $i -lt 60 -and (Test-Path "/proc/$Id"); $i++) { Start-Sleep -Milliseconds 500 }
    if (Test-Path "/proc/$Id") { throw "dockerd ($Id) did not stop within 30 s" }
    Remove-Item -LiteralPath (Join-Path $script:KfStateRoot 'dockerd.json') -Force -ErrorAction SilentlyContinue
    Write-KfChange "stopped dockerd ($Id), which the set-up had started$(if ($Reason) { ", because $Reason" })"
}

function Enter-KfDockerEngineUse {
    <#
    Marks this process as using the local engine for a while (a shared lock on $KfStateRoot/dockerd.users)
    and returns the handle to give Exit-KfDockerEngineUse when done, which stops an engine this run started
    only once no other run holds the lock, so that parallel build.ps1 runs never lose the engine under them.
    #>
    if (-not (Test-KfDebianRoot)) { return $null }
    return Open-KfLockFile -Path (Join-Path $script:KfStateRoot 'dockerd.users') -Share ReadWrite
}

function Exit-KfDockerEngineUse {
    <#
    Ends this process's use of the engine (disposes of -Handle) and, when -Engine says this run started it,
    stops it again, leaving the machine as it was found; an engine that another run still uses is left
    running, with a line saying so.
    #>
    param([Parameter(Mandatory)] [System.IDisposable] $Handle, $Engine)
    $Handle.Dispose()
    if (-not $Engine -or -not $Engine.Started) { return }
    $file = Join-Path $script:KfStateRoot 'dockerd.users'
    try { $exclusive = [System.IO.File]::Open($file, 'OpenOrCreate', 'ReadWrite', 'None') }
    catch [System.IO.IOException] {
        Write-Host "  left dockerd ($($Engine.Pid)) running: this run started it, but another run is using it"
        return
    }
    try { Stop-KfDockerEngine -Id $Engine.Pid -Reason 'this run had started it (it was not running before)' } finally { $exclusive.Dispose() }
}

# What build.ps1 uses; the test support imported above stays private to this module.
Export-ModuleMember -Function Install-KfDebianPackage, Install-KfChromium, Install-KfEvidenceTool, Install-KfCriuRoot,
    Set-KfCriuRuncConfig, Install-KfSpecimenImage, Initialize-KfDockerEngine, Get-KfDockerEngine, Start-KfDockerEngine,
    Stop-KfDockerEngine, Enter-KfDockerEngineUse, Exit-KfDockerEngineUse
