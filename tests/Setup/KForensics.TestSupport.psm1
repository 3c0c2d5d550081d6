# Test support, used by the Pester tests, the benchmarks and the demos: where the machine set-up put
# things (the private state root, the CRIU tools, the test images, Azurite, chromium) and how to drive them.
# Nothing here installs, configures or starts anything on the machine: what is missing makes the tests that
# need it skip or fail with a message naming `build.ps1 -Task Bootstrap` (tests/Setup/KForensics.MachineSetup.psm1).
Set-StrictMode -Version Latest

$script:KfStateRoot = '/var/lib/kforensics'
$script:KfTestImage = 'kforensics/busybox:test'
$script:KfSpecimenImage = 'kforensics/specimen:test'
$script:KfSpecimenLabel = 'org.kforensics.specimen.sha256'

function Test-KfDebianRoot {
    return $IsLinux -and (Test-Path /etc/debian_version) -and ((& id -u) -eq '0')
}

function Get-KfStateRoot {
    <# The private state root of the machine set-up on Debian as root: the CRIU roots and wrappers, Azurite, the engine's record. #>
    return $script:KfStateRoot
}

function Get-KfChromium {
    <# The chromium binary, or $null when it is not installed (the report's browser tests are then skipped). #>
    $command = Get-Command chromium -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
    if ($command) { return $command.Source }
    return $null
}

function Get-KfTestCaptureAssembly {
    <#
    The test captures (tests/KForensics.TestCaptures: the path-traversal scenario, the hostile capture), which
    the build lays out beside the module (out/KForensics.TestCaptures), never inside it. Loaded once, after the
    KForensics module: their writer is the imported module's own engine. Returns the assembly.
    #>
    $loaded = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'KForensics.TestCaptures' } | Select-Object -First 1
    if ($loaded) { return $loaded }
    $module = Get-Module KForensics | Select-Object -First 1
    if (-not $module) { throw 'The test captures are written by the engine of the KForensics module: import it first.' }
    $path = Join-Path (Split-Path -Parent $module.ModuleBase) 'KForensics.TestCaptures/KForensics.TestCaptures.dll'
    if (-not (Test-Path -LiteralPath $path)) { throw "$path is missing: run build.ps1 -Task Build." }
    return [System.Reflection.Assembly]::LoadFrom($path)
}

function New-KfDemoCapture {
    <#
    Writes the demo capture (the path-traversal scenario: an nginx pod and a client pod) to -Path; returns the
    scenario, whose properties name its pods, pids and URL. -Gzip compresses it.
    #>
    [CmdletBinding()]
    param([Parameter(Mandatory)] [string] $Path, [switch] $Gzip)
    $scenario = [Activator]::CreateInstance((Get-KfTestCaptureAssembly).GetType('KForensics.TestCaptures.PathTraversalScenario', $true))
    $scenario.Write($Path, [bool]$Gzip)
    return $scenario
}

function New-KfHostileCapture {
    <#
    Writes to -Path the hostile capture: process name, arguments, file name, container name and image are
    markup, quotes and ampersands, as a hostile workload could make them. Returns the type that holds those
    facts (its constants ProcessName, Argument, FileName, ContainerName, Image).
    #>
    [CmdletBinding()]
    param([Parameter(Mandatory)] [string] $Path)
    $type = (Get-KfTestCaptureAssembly).GetType('KForensics.TestCaptures.HostileCapture', $true)
    $null = $type::Write($Path)
    return $type
}

# ---- Captures and sysdig -----------------------------------------------------------------------------

function Get-KfSharedCapture {
    <#
    The one locator of the real captures beside the repository (../shared/captures), which never enter it:
    the folder, or with -Name the file in it; $null when the folder or the file is absent.
    #>
    param([string] $Name)
    $folder = [System.IO.Path]::GetFullPath((Join-Path $PSScriptRoot '../../../shared/captures'))
    if (-not (Test-Path -LiteralPath $folder -PathType Container)) { return $null }
    if (-not $Name) { return $folder }
    $file = Join-Path $folder $Name
    if (Test-Path -LiteralPath $file -PathType Leaf) { return $file }
    return $null
}

function Test-KfSysdig {
    <# Whether sysdig (0.29.3, the reference the tests compare against) is installed. #>
    return [bool](Get-Command sysdig -CommandType Application -ErrorAction SilentlyContinue)
}

function Invoke-KfSysdig {
    <#
    The one way the Pester tests run sysdig: with -ArgumentList as given (no globbing or quoting by the shell),
    TZ=UTC (so the times it prints are UTC, as the module's are) and a timeout, after which it is killed.
    Returns the lines of its standard output; a non-zero exit or a timeout throws with its errors.
    #>
    param([Parameter(Mandatory, Position = 0)] [string[]] $ArgumentList, [int] $TimeoutSeconds = 300)
    $command = Get-Command sysdig -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
    if (-not $command) { throw 'sysdig is not installed: run build.ps1 -Task Bootstrap.' }
    $start = [System.Diagnostics.ProcessStartInfo]::new($command.Source)
    foreach ($a in $ArgumentList) { $start.ArgumentList.Add($a) }
    $start.Environment['TZ'] = 'UTC'
    $start.RedirectStandardOutput = $true
    $start.RedirectStandardError = $true
    $start.UseShellExecute = $false
    $start.StandardOutputEncoding = [System.Text.UTF8Encoding]::new($false)
    $process = [System.Diagnostics.Process]::Start($start)
    try {
        $stdout = $process.StandardOutput.ReadToEndAsync()
        $stderr = $process.StandardError.ReadToEndAsync()
        if (-not $process.WaitForExit($TimeoutSeconds * 1000)) {
            $process.Kill($true)
            $process.WaitForExit()
            throw "sysdig $($ArgumentList -join ' ') did not finish within $TimeoutSeconds s"
        }
        $process.WaitForExit()
        if ($process.ExitCode -ne 0) { throw "sysdig $($ArgumentList -join ' ') exited with $($process.ExitCode): $($stderr.Result.Trim())" }
        $text = $stdout.Result
        if ($text.Length -eq 0) { return }
        if ($text.EndsWith("`n")) { $text = $text.Substring(0, $text.Length - 1) }
        return $text.Split("`n")
    } finally { $process.Dispose() }
}

# ---- Docker engine with CRIU (container checkpoints) ----------------------------------------------

function Get-KfCheckpointTool {
    <# The path of a wrapper (criu, checkpointctl, crit) made by the machine set-up (build.ps1 -Task Bootstrap); $null when absent. #>
    param([Parameter(Mandatory)] [ValidateSet('criu', 'checkpointctl', 'crit')] [string] $Name)
    $path = Join-Path $script:KfStateRoot "bin/$Name"
    if (Test-Path $path) { return $path }
    return $null
}

function Get-KfTestImage { return $script:KfTestImage }

function Get-KfCriuVersion {
    <# The version of the private CRIU ([version], from $KfStateRoot/criu-version, which the machine set-up records when it unpacks CRIU and checks on every Bootstrap), or $null before it. #>
    $versionFile = Join-Path $script:KfStateRoot 'criu-version'
    if (-not (Test-Path $versionFile)) { return $null }
    return [version](Get-Content -Raw $versionFile).Trim()
}

function Invoke-KfCrit {
    <#
    Runs the private crit. -Path alone: `crit decode -i <Path> --pretty`, parsed into an object (the
    image's {magic, entries}; -AsHashtable for hashtables). -Show: `crit show <Path>`, its text.
    -ArgumentList: any other crit command line, its standard output lines. A failing crit throws with its message.
    #>
    [CmdletBinding(DefaultParameterSetName = 'Decode')]
    param(
        [Parameter(Mandatory, Position = 0, ParameterSetName = 'Decode')]
        [Parameter(Mandatory, Position = 0, ParameterSetName = 'Show')]
        [string] $Path,
        [Parameter(Mandatory, ParameterSetName = 'Show')] [switch] $Show,
        [Parameter(ParameterSetName = 'Decode')] [switch] $AsHashtable,
        [Parameter(Mandatory, ParameterSetName = 'Raw')] [string[]] $ArgumentList
    )
    $crit = Get-KfCheckpointTool -Name crit
    if (-not $crit) { throw 'crit is not installed: run build.ps1 -Task Bootstrap.' }
    $arguments = switch ($PSCmdlet.ParameterSetName) {
        'Decode' { @('decode', '-i', (Resolve-Path -LiteralPath $Path).ProviderPath, '--pretty') }
        'Show' { @('show', (Resolve-Path -LiteralPath $Path).ProviderPath) }
        'Raw' { $ArgumentList }
    }
    $stderr = [System.IO.Path]::GetTempFileName()
    try {
        $out = & $crit @arguments 2> $stderr
        if ($LASTEXITCODE -ne 0) { throw "crit $($arguments -join ' ') failed ($LASTEXITCODE): $((Get-Content -Raw $stderr).Trim())" }
    } finally { Remove-Item -LiteralPath $stderr -Force }
    if ($PSCmdlet.ParameterSetName -ne 'Decode') { return $out }
    return ($out -join "`n") | ConvertFrom-Json -Depth 256 -AsHashtable:$AsHashtable
}

function Invoke-KfCheckpointctl {
    <#
    Runs the private checkpointctl with -ArgumentList and returns its standard output (one string).
    -Json: `checkpointctl inspect --all --format json <ArgumentList>` (the arguments being archives),
    parsed; one object per archive. A failing checkpointctl throws with its message.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory, Position = 0, ValueFromRemainingArguments)] [string[]] $ArgumentList,
        [switch] $Json
    )
    $tool = Get-KfCheckpointTool -Name checkpointctl
    if (-not $tool) { throw 'checkpointctl is not installed: run build.ps1 -Task Bootstrap.' }
    $arguments = if ($Json) { @('inspect', '--all', '--format', 'json') + $ArgumentList } else { $ArgumentList }
    $stderr = [System.IO.Path]::GetTempFileName()
    try {
        $out = (& $tool @arguments 2> $stderr) -join "`n"
        if ($LASTEXITCODE -ne 0) { throw "checkpointctl $($arguments -join ' ') failed ($LASTEXITCODE): $((Get-Content -Raw $stderr).Trim())" }
    } finally { Remove-Item -LiteralPath $stderr -Force }
    if (-not $Json) { return $out }
    # The top level is an array, one object per archive; -NoEnumerate is not wanted here.
    return $out | ConvertFrom-Json -Depth 256
}

function Test-KfDockerExperimental {
    $out = & docker info --format '{{.ExperimentalBuild}}' 2>$null
    return $LASTEXITCODE -eq 0 -and "$out".Trim() -eq 'true'
}

# ---- The checkpoint specimen (tests/Specimen/specimen.c) -------------------------------------------

function Get-KfSpecimenImage { return $script:KfSpecimenImage }

function Get-KfSpecimenBuild {
    <# The specimen image's name, its source (specimen.c), and the label (name and value: the source's SHA-256) an image built from it carries. #>
    $source = Join-Path $PSScriptRoot '../Specimen/specimen.c'
    $hash = (Get-FileHash -Algorithm SHA256 -LiteralPath $source).Hash.ToLowerInvariant()
    [pscustomobject]@{ Image = $script:KfSpecimenImage; Source = $source; Label = $script:KfSpecimenLabel; Hash = $hash }
}

function Test-KfSpecimenImage {
    <# Whether the specimen image exists and was built from the specimen.c of this tree. #>
    $build = Get-KfSpecimenBuild
    $label = & docker image inspect --format "{{index .Config.Labels `"$($build.Label)`"}}" $build.Image 2>$null
    return $LASTEXITCODE -eq 0 -and "$label".Trim() -eq $build.Hash
}

function Test-KfCriuRuncConfig {
    <# Whether /etc/criu/runc.conf (which runc hands to CRIU) asks for tcp-established, as the specimen's checkpoints need. #>
    $path = '/etc/criu/runc.conf'
    return (Test-Path $path) -and (@(Get-Content $path) -match '^\s*tcp-established\s*$').Count -gt 0
}

function Wait-KfSpecimenReady {
    <# Waits until the specimen container -Name printed "ready" (throws after -TimeoutSeconds or when it stopped). #>
    param([Parameter(Mandatory)] [string] $Name, [int] $TimeoutSeconds = 30)
    $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
    while ([DateTime]::UtcNow -lt $deadline) {
        $log = & docker logs $Name 2>&1
        if (@($log) -contains 'ready') { return }
        $running = & docker inspect --format '{{.State.Running}}' $Name 2>$null
        if ("$running".Trim() -ne 'true') { throw "The specimen $Name stopped before it was ready: $($log -join ' ')" }
        Start-Sleep -Milliseconds 200
    }
    throw "The specimen $Name did not print 'ready' within $TimeoutSeconds s"
}

function Start-KfSpecimen {
    <#
    Runs the specimen (docker run -d, KF_SECRET=-Secret in its environment) and returns the container's
    name. -MiB N: N MiB more memory with KF-MARKER-END near its end. -StoppedChild adds the SIGSTOP'd
    child (a checkpoint of it hangs under the cgroup v1 freezer, see specimen.c); -NoZombie leaves out the
    zombie (checkpointctl 1.3 fails on most of a checkpoint with one). -Publish maps the TCP
    port 8080 to a free host port. -Wait returns only once the specimen printed "ready".
    #>
    [CmdletBinding()]
    param(
        [string] $Name = "kf-specimen-$([guid]::NewGuid().ToString('n').Substring(0, 8))",
        [string] $Secret = 'kf-secret-2f1d9c',
        [int] $MiB = 0,
        [switch] $StoppedChild,
        [switch] $NoZombie,
        [switch] $Publish,
        [switch] $Wait
    )
    if (-not (Test-KfSpecimenImage)) { throw "The image $script:KfSpecimenImage is missing or was built from another specimen.c: run build.ps1 -Task Bootstrap." }
    $image = $script:KfSpecimenImage
    $run = @('run', '-d', '--name', $Name, '-e', "KF_SECRET=$Secret")
    if ($Publish) { $run += @('-p', '127.0.0.1::8080') }
    $run += @($image, '/specimen')
    if ($MiB -gt 0) { $run += @('--mib', "$MiB") }
    if ($StoppedChild) { $run += '--stopped' }
    if ($NoZombie) { $run += '--no-zombie' }
    & docker @run | Out-Null
    if ($LASTEXITCODE -ne 0) { throw "docker run of the specimen $Name failed" }
    if ($Wait) { Wait-KfSpecimenReady -Name $Name -TimeoutSeconds ([Math]::Max(30, 30 + $MiB / 100)) }
    return $Name
}

function Get-KfContainerProcess {
    <#
    What /proc inside the running container -Name says (docker exec, the container's pid namespace):
    one object per process with Pid, Ppid, Command (comm), CommandLine (argv joined by spaces), State
    (the letter: S, R, T, Z...) and Threads (Tid, Command). The exec'd shell itself is left out.
    #>
    param([Parameter(Mandatory)] [string] $Name)
    $script = @'
for d in /proc/[0-9]*; do
  p=${d#/proc/}
  [ "$p" = "$$" ] && continue
  [ -r "$d/status" ] || continue
  ppid=$(sed -n 's/^PPid:[[:space:]]*//p' "$d/status")
  state=$(sed -n 's/^State:[[:space:]]*\(.\).*/\1/p' "$d/status")
  cmd=$(tr '\000' '\037' < "$d/cmdline")
  printf 'P\t%s\t%s\t%s\t%s\t%s\n' "$p" "$ppid" "$state" "$(cat "$d/comm")" "$cmd"
  for t in "$d"/task/[0-9]*; do printf 'T\t%s\t%s\t%s\n' "$p" "${t##*/}" "$(cat "$t/comm" 2>/dev/null)"; done
done
'@
    $lines = & docker exec $Name /bin/sh -c $script
    if ($LASTEXITCODE -ne 0) { throw "docker exec into $Name failed" }
    $threads = @{}
    foreach ($line in $lines | Where-Object { $_ -like "T`t*" }) {
        $f = $line.Split("`t")
        if (-not $threads.ContainsKey($f[1])) { $threads[$f[1]] = [System.Collections.Generic.List[object]]::new() }
        $threads[$f[1]].Add([pscustomobject]@{ Tid = [int]$f[2]; Command = $f[3] })
    }
    foreach ($line in $lines | Where-Object { $_ -like "P`t*" }) {
        $f = $line.Split("`t", 6)
        # argv is NUL-separated; the script turned the NULs into 0x1f (a shell variable cannot hold NUL).
        $argv = @($f[5].TrimEnd([char]0x1f).Split([char]0x1f) | Where-Object { $_ -ne '' })
        [pscustomobject]@{
            Pid         = [int]$f[1]
            Ppid        = [int]$f[2]
            State       = $f[3]
            Command     = $f[4]
            CommandLine = $argv -join ' '
            Arguments   = $argv
            Threads     = @(if ($threads.ContainsKey($f[1])) { $threads[$f[1]] | Sort-Object Tid })
        }
    }
}

function New-KfSpecimenCheckpoint {
    <#
    Runs the specimen (Start-KfSpecimen -Wait, with -MiB, -StoppedChild, -NoZombie), reads its processes from /proc inside the container, and
    checkpoints it with docker checkpoint create --leave-running (the container keeps running; remove it
    with docker rm -f). Returns Container, ContainerId, Checkpoint, Directory (Docker's checkpoint
    directory), Secret, MiB and Processes (Get-KfContainerProcess, read just before the checkpoint).
    A failed checkpoint throws with the Error lines of CRIU's dump log; one still running after
    -TimeoutSeconds (a stopped child under the cgroup v1 freezer) is released by thawing the cgroup.
    #>
    [CmdletBinding()]
    param(
        [string] $Name = "kf-specimen-$([guid]::NewGuid().ToString('n').Substring(0, 8))",
        [string] $Checkpoint = 'cp1',
        [string] $Secret = 'kf-secret-2f1d9c',
        [int] $MiB = 0,
        [switch] $StoppedChild,
        [switch] $NoZombie,
        [int] $TimeoutSeconds = 120
    )
    if (-not (Test-KfCriuRuncConfig)) { throw '/etc/criu/runc.conf does not ask CRIU for tcp-established: run build.ps1 -Task Bootstrap.' }
    $container = Start-KfSpecimen -Name $Name -Secret $Secret -MiB $MiB -StoppedChild:$StoppedChild -NoZombie:$NoZombie -Wait
    $id = "$(& docker inspect --format '{{.Id}}' $container)".Trim()
    $processes = @(Get-KfContainerProcess -Name $container)
    $start = [System.Diagnostics.ProcessStartInfo]::new('docker')
    foreach ($a in 'checkpoint', 'create', '--leave-running', $container, $Checkpoint) { $start.ArgumentList.Add($a) }
    $start.RedirectStandardOutput = $true
    $start.RedirectStandardError = $true
    $process = [System.Diagnostics.Process]::Start($start)
    $stderr = $process.StandardError.ReadToEndAsync()
    $stdout = $process.StandardOutput.ReadToEndAsync()
    $note = ''
    if (-not $process.WaitForExit($TimeoutSeconds * 1000)) {
        # CRIU blocks in PTRACE_SEIZE of a stopped task while the cgroup v1 freezer holds it; thawing the
        # cgroup releases CRIU, which then fails the dump (the container keeps running).
        $freezer = "/sys/fs/cgroup/freezer/docker/$id/freezer.state"
        if ((Test-Path $freezer) -and (Get-Content -Raw $freezer).Trim() -eq 'FROZEN') {
            [System.IO.File]::WriteAllText($freezer, 'THAWED')
            $note = " (CRIU hung for $TimeoutSeconds s with the container frozen; its cgroup was thawed)"
        }
        $process.WaitForExit()
    }
    $process.WaitForExit()
    if ($process.ExitCode -ne 0) {
        $log = "/run/docker/containerd/daemon/io.containerd.runtime.v2.task/moby/$id/criu-dump.log"
        $errors = if (Test-Path $log) { @(Get-Content $log | Where-Object { $_ -match '\) Error ' }) -join "`n" } else { '' }
        throw "docker checkpoint create $container $Checkpoint failed$note`: $($stderr.Result.Trim()) $($stdout.Result.Trim())`n$errors"
    }
    return [pscustomobject]@{
        Container   = $container
        ContainerId = $id
        Checkpoint  = $Checkpoint
        Directory   = "/var/lib/docker/containers/$id/checkpoints/$Checkpoint"
        Secret      = $Secret
        MiB         = $MiB
        Processes   = $processes
    }
}

# ---- Checkpoint archives in the layouts of other engines (reference/criu-images.md 3.7) -----------

function Get-KfRootfsChange {
    # docker diff of a container: Kind (A, C, D) and Path ('/tmp/x'), as Docker reports them.
    param([Parameter(Mandatory)] [string] $Container)
    foreach ($line in @(& docker diff $Container)) {
        if ($line -match '^([ACD]) (/.*)$') { [pscustomobject]@{ Kind = $Matches[1]; Path = $Matches[2] } }
    }
}

function New-KfCheckpointArchive {
    <#
    Lays out an archive from a real Docker checkpoint directory (/var/lib/docker/containers/<id>/
    checkpoints/<name>) the way another engine exports one, so that checkpointctl and the importers can
    read it: checkpoint/ (the CRIU images), config.dump, spec.dump (the container's OCI spec with the
    engine's annotations), stats-dump when CRIU left one, and the container's file-system changes:
      Podman      rootfs-diff.tar + deleted.files, network.status; zstd by default
      CriO        rootfs-diff.tar + deleted.files, bind.mounts, the log as io.kubernetes.cri-o.LogPath; plain tar
      Containerd  rootfs-diff.tar gzip-compressed with OCI whiteouts (no deleted.files), status, container.log; plain tar
    -Container names the container when the directory is not under Docker's containers/<id>/; it must
    still exist (its spec, image and changes are read from the engine). Returns the archive (FileInfo).
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [string] $CheckpointDirectory,
        [ValidateSet('Podman', 'CriO', 'Containerd')] [string] $Layout = 'Podman',
        [ValidateSet('zstd', 'gzip', 'none')] [string] $Compression,
        [Parameter(Mandatory)] [string] $Path,
        [string] $Container,
        [string] $PodName,
        [string] $Namespace = 'default'
    )
    $directory = (Resolve-Path -LiteralPath $CheckpointDirectory).ProviderPath
    if (-not (Test-Path (Join-Path $directory 'inventory.img'))) { throw "$directory holds no CRIU images (no inventory.img)" }
    if (-not $Container) {
        if ($directory -notmatch '/containers/([0-9a-f]{64})/checkpoints/[^/]+$') { throw "Name the container of $directory with -Container" }
        $Container = $Matches[1]
    }
    if (-not $Compression) { $Compression = if ($Layout -eq 'Podman') { 'zstd' } else { 'none' } }
    $info = (& docker inspect $Container | ConvertFrom-Json)
    if ($LASTEXITCODE -ne 0 -or -not $info) { throw "docker inspect $Container failed" }
    $info = @($info)[0]
    $id = $info.Id
    $name = $info.Name.TrimStart('/')
    if (-not $PodName) { $PodName = "$name-pod" }
    $created = ([DateTimeOffset]::Parse($info.Created)).UtcDateTime
    $checkpointed = (Get-Item -LiteralPath (Join-Path $directory 'inventory.img')).LastWriteTimeUtc
    $rfc = { param([DateTime] $t) $t.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", [cultureinfo]::InvariantCulture) }

    $stage = Join-Path ([System.IO.Path]::GetTempPath()) "kf-archive-$PID-$([guid]::NewGuid().ToString('n').Substring(0, 8))"
    New-Item -ItemType Directory -Force -Path $stage | Out-Null
    try {
        & cp -a $directory (Join-Path $stage 'checkpoint')
        if ($LASTEXITCODE -ne 0) { throw "copying $directory failed" }
        # CRIU's statistics belong at the archive's root (Set-KfCriuWrapper keeps them in Docker's directory).
        $stats = Join-Path $stage 'checkpoint/stats-dump'
        if (Test-Path $stats) { Move-Item -LiteralPath $stats (Join-Path $stage 'stats-dump') }
        $members = [System.Collections.Generic.List[string]]::new()
        $members.Add('checkpoint')
        $write = {
            param([string] $Member, $Value)
            $text = if ($Value -is [string]) { $Value } else { $Value | ConvertTo-Json -Depth 32 }
            [System.IO.File]::WriteAllText((Join-Path $stage $Member), $text)
            $members.Add($Member)
        }

        # spec.dump: the OCI spec runc ran the container with (its bundle's config.json while it runs).
        $bundle = "/run/docker/containerd/daemon/io.containerd.runtime.v2.task/moby/$id/config.json"
        $spec = if (Test-Path $bundle) { Get-Content -Raw $bundle | ConvertFrom-Json -AsHashtable } else {
            [ordered]@{
                ociVersion = '1.0.2'; hostname = $info.Config.Hostname
                process = [ordered]@{ args = @($info.Path) + @($info.Args); env = @($info.Config.Env); cwd = $(if ($info.Config.WorkingDir) { $info.Config.WorkingDir } else { '/' }) }
                root = [ordered]@{ path = 'rootfs' }
                mounts = @($info.Mounts | ForEach-Object { [ordered]@{ destination = $_.Destination; type = 'bind'; source = $_.Source; options = @('rbind') } })
            }
        }
        $annotations = [ordered]@{}
        if ($spec['annotations']) { foreach ($k in $spec['annotations'].Keys) { $annotations[$k] = $spec['annotations'][$k] } }
        $ip = "$($info.NetworkSettings.IPAddress)"
        switch ($Layout) {
            'Podman' { $annotations['io.container.manager'] = 'libpod' }
            'CriO' {
                $annotations['io.container.manager'] = 'cri-o'
                $annotations['io.kubernetes.cri-o.Metadata'] = (@{ name = $name; attempt = 0 } | ConvertTo-Json -Compress)
                $annotations['io.kubernetes.cri-o.Created'] = & $rfc $created
                $annotations['io.kubernetes.cri-o.ContainerType'] = 'container'
                $annotations['io.kubernetes.cri-o.ContainerID'] = $id
                $annotations['io.kubernetes.cri-o.ImageName'] = $info.Config.Image
                $annotations['io.kubernetes.cri-o.Name'] = "k8s_${name}_${PodName}_${Namespace}_0"
                if ($ip) { $annotations['io.kubernetes.cri-o.IP.0'] = $ip }
                $annotations['io.kubernetes.container.name'] = $name
                $annotations['io.kubernetes.pod.name'] = $PodName
                $annotations['io.kubernetes.pod.namespace'] = $Namespace
            }
            'Containerd' {
                $annotations['io.kubernetes.cri.container-type'] = 'container'
                $annotations['io.kubernetes.cri.container-name'] = $name
                $annotations['io.kubernetes.cri.image-name'] = $info.Config.Image
                $annotations['io.kubernetes.cri.sandbox-name'] = $PodName
                $annotations['io.kubernetes.cri.sandbox-namespace'] = $Namespace
            }
        }
        $spec['annotations'] = $annotations
        & $write 'spec.dump' $spec

        & $write 'config.dump' ([ordered]@{
                id = $id; name = $name
                rootfsImage = $info.Image; rootfsImageRef = $info.Image; rootfsImageName = $info.Config.Image
                runtime = 'runc'
                createdTime = & $rfc $created; checkpointedTime = & $rfc $checkpointed
            })

        if (Test-Path (Join-Path $stage 'stats-dump')) { $members.Add('stats-dump') }
        else { Write-Warning "$directory has no stats-dump (made before Set-KfCriuWrapper kept it): checkpointctl inspect --stats and --all fail on this archive" }

        # File-system changes, read from the container's writable overlay layer.
        $upper = "$($info.GraphDriver.Data.UpperDir)"
        $changes = @(Get-KfRootfsChange -Container $id)
        if ($upper -and (Test-Path $upper)) {
            if ($Layout -eq 'Containerd') {
                # The rw layer as an OCI layer: gzip'd tar, deletions as .wh.<name> (overlay marks them 0:0 char devices).
                $layer = Join-Path $stage 'layer'
                & cp -a $upper $layer
                # A tar cannot hold sockets (CRIU re-creates bound unix sockets itself).
                & find $layer -type s -delete
                foreach ($line in @(& find $layer -type c)) {
                    $leaf = Split-Path -Leaf $line
                    Remove-Item -LiteralPath $line -Force
                    New-Item -ItemType File -Path (Join-Path (Split-Path $line) ".wh.$leaf") | Out-Null
                }
                & /bin/sh -c "tar -C '$layer' -cf - . | gzip -n > '$stage/rootfs-diff.tar'"
                if ($LASTEXITCODE -ne 0) { throw 'writing rootfs-diff.tar failed' }
                Remove-Item -Recurse -Force $layer
            } else {
                # Podman and CRI-O: added and changed regular files and symbolic links, and a list of the deleted paths.
                $files = @($changes | Where-Object { $_.Kind -ne 'D' } | ForEach-Object { $_.Path.TrimStart('/') } |
                    Where-Object { $p = Join-Path $upper $_; (Test-Path -LiteralPath $p) -and "$((Get-Item -LiteralPath $p -Force).UnixMode)"[0] -in '-', 'l' })
                $list = Join-Path $stage 'rootfs-diff.list'
                [System.IO.File]::WriteAllLines($list, [string[]]$files)
                & tar -C $upper --no-recursion -cf (Join-Path $stage 'rootfs-diff.tar') -T $list
                if ($LASTEXITCODE -ne 0) { throw 'writing rootfs-diff.tar failed' }
                Remove-Item -LiteralPath $list
                & $write 'deleted.files' (ConvertTo-Json -InputObject @($changes | Where-Object Kind -eq 'D' | ForEach-Object Path) -Compress)
            }
            $members.Add('rootfs-diff.tar')
        }

        $log = "$($info.LogPath)"
        switch ($Layout) {
            'Podman' {
                $networks = [ordered]@{}
                foreach ($n in $info.NetworkSettings.Networks.PSObject.Properties) {
                    if (-not $n.Value.IPAddress) { continue }
                    $networks[$n.Name] = [ordered]@{ interfaces = [ordered]@{ eth0 = [ordered]@{
                                subnets = @([ordered]@{ ipnet = "$($n.Value.IPAddress)/$($n.Value.IPPrefixLen)"; gateway = $n.Value.Gateway })
                                mac_address = $n.Value.MacAddress } } }
                }
                & $write 'network.status' $networks
            }
            'CriO' {
                $binds = @($spec['mounts'] | Where-Object { $_['type'] -eq 'bind' -and $_['source'] -and (Test-Path -LiteralPath $_['source']) } | ForEach-Object {
                        $item = Get-Item -LiteralPath $_['source'] -Force
                        [ordered]@{ source = $_['source']; destination = $_['destination']
                            file_type = $(if ($item.PSIsContainer) { 'directory' } else { 'file' })
                            permissions = [int]$item.UnixFileMode }
                    })
                & $write 'bind.mounts' (ConvertTo-Json -InputObject $binds -Depth 4)
                if ($log -and (Test-Path $log)) { Copy-Item -LiteralPath $log (Join-Path $stage 'io.kubernetes.cri-o.LogPath'); $members.Add('io.kubernetes.cri-o.LogPath') }
            }
            'Containerd' {
                $ns = { param([string] $t) if (-not $t -or $t.StartsWith('0001-')) { 0 } else { ([DateTimeOffset]::Parse($t).ToUnixTimeMilliseconds()) * 1000000 } }
                & $write 'status' ([ordered]@{
                        Version = 'v1'; Pid = [int]$info.State.Pid; CreatedAt = & $ns $info.Created; StartedAt = & $ns $info.State.StartedAt
                        FinishedAt = & $ns $info.State.FinishedAt; ExitCode = [int]$info.State.ExitCode; Reason = ''; Message = ''
                        Starting = $false; Removing = $false; Unknown = $false
                    })
                if ($log -and (Test-Path $log)) { Copy-Item -LiteralPath $log (Join-Path $stage 'container.log'); $members.Add('container.log') }
            }
        }

        $target = [System.IO.Path]::GetFullPath($Path)
        New-Item -ItemType Directory -Force -Path (Split-Path $target) | Out-Null
        if (Test-Path -LiteralPath $target) { Remove-Item -LiteralPath $target -Force }
        $list = Join-Path ([System.IO.Path]::GetTempPath()) "kf-archive-members-$PID.txt"
        [System.IO.File]::WriteAllLines($list, [string[]]$members)
        try {
            $filter = switch ($Compression) { 'zstd' { '| zstd -q -T0 -c' } 'gzip' { '| gzip -n -c' } default { '' } }
            if ($Compression -eq 'zstd' -and -not (Get-Command zstd -CommandType Application -ErrorAction SilentlyContinue)) { throw 'zstd is not installed: run build.ps1 -Task Bootstrap.' }
            # umask 077: the engines write their archives with mode 0600.
            & /bin/sh -c "umask 077; tar -C '$stage' -cf - -T '$list' $filter > '$target'"
            if ($LASTEXITCODE -ne 0) { throw "writing $target failed" }
        } finally { Remove-Item -LiteralPath $list -Force }
        return Get-Item -LiteralPath $target
    } finally {
        Remove-Item -Recurse -Force $stage
    }
}

function ConvertTo-KfCompatPagemap {
    <#
    Re-encodes every pagemap-*.img of a CRIU images directory (in place; work on a copy) with crit in the
    form older readers expect: compat_nr_pages holds the page count instead of nr_pages. CRIU itself
    reads both; checkpointctl 1.3 reads only this one (it sees no pages of CRIU 4.2's own form).
    #>
    param([Parameter(Mandatory)] [string] $Directory)
    $scratch = Join-Path ([System.IO.Path]::GetTempPath()) "kf-pagemap-$([guid]::NewGuid().ToString('n').Substring(0, 8))"
    New-Item -ItemType Directory -Path $scratch | Out-Null
    try {
        foreach ($pm in Get-ChildItem -LiteralPath $Directory -Filter 'pagemap-*.img') {
            $image = Invoke-KfCrit -Path $pm.FullName -AsHashtable
            foreach ($e in $image.entries | Select-Object -Skip 1) {
                if ($e.ContainsKey('nr_pages')) { $e['compat_nr_pages'] = $e['nr_pages']; $e.Remove('nr_pages') }
            }
            $json = Join-Path $scratch "$($pm.Name).json"
            $image | ConvertTo-Json -Depth 32 | Set-Content $json
            Invoke-KfCrit -ArgumentList 'encode', '-i', $json, '-o', $pm.FullName | Out-Null
        }
    } finally { Remove-Item -Recurse -Force $scratch }
}

function Get-KfContainerNumber {
    # The integers a counting container printed, in order (its docker logs lines that are numbers).
    param([Parameter(Mandatory)] [string] $Name)
    @(& docker logs $Name 2>&1 | Where-Object { "$_" -match '^\d+$' } | ForEach-Object { [int]"$_" })
}

function Wait-KfContainerNumber {
    # Waits until a counting container printed -Count numbers (20 s at most) and returns them; throws otherwise.
    param([Parameter(Mandatory)] [string] $Name, [Parameter(Mandatory)] [int] $Count, [int] $TimeoutSeconds = 20)
    $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
    do {
        $n = @(Get-KfContainerNumber $Name)
        if ($n.Count -ge $Count) { return $n }
        Start-Sleep -Milliseconds 200
    } while ([DateTime]::UtcNow -lt $deadline)
    throw "$Name printed $($n.Count) numbers, expected $Count"
}

# ---- Evidence: gpg (the third-party reader of encrypted evidence) and Azurite (a real Blob endpoint) ----

function Get-KfAzuritePrefix {
    if (Test-KfDebianRoot) { return Join-Path $script:KfStateRoot 'azurite' }
    return Join-Path ([Environment]::GetFolderPath('LocalApplicationData')) 'kforensics/azurite'
}

function Get-KfAzurite {
    <# The azurite-blob launcher the machine set-up installed, or $null. #>
    $bin = Join-Path (Get-KfAzuritePrefix) 'node_modules/.bin/azurite-blob'
    if (Test-Path $bin) { return $bin }
    return $null
}

function Get-KfFreePort {
    $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
    $listener.Start()
    try { return $listener.LocalEndpoint.Port } finally { $listener.Stop() }
}

function Start-KfAzurite {
    <#
    Starts Azurite's Blob service on 127.0.0.1 (a free port, a fresh storage folder, an account with a key
    made on the spot) and returns what the tests need: Process, Port, Location, Account, Key, BlobEndpoint
    and ConnectionString. Stop it with Stop-KfAzurite.
    With -OAuth it serves HTTPS with a self-signed certificate for 127.0.0.1 that openssl makes on the spot
    (CertificatePath, PEM) and accepts bearer tokens (`--oauth basic`: issuer, audience and lifetime are checked,
    the signature is not), as a storage account accepts a managed identity's.
    #>
    [CmdletBinding()]
    param(
        [string] $Location = (Join-Path ([IO.Path]::GetTempPath()) "kf-azurite-$([guid]::NewGuid().ToString('N').Substring(0, 8))"),
        [switch] $OAuth
    )
    $bin = Get-KfAzurite
    if (-not $bin) { throw 'Azurite is not installed: run ./build.ps1 -Task Bootstrap.' }
    New-Item -ItemType Directory -Force -Path $Location | Out-Null
    $port = Get-KfFreePort
    $account = 'kfevidence'
    $key = [Convert]::ToBase64String([System.Security.Cryptography.RandomNumberGenerator]::GetBytes(64))
    $start = [System.Diagnostics.ProcessStartInfo]::new($bin)
    foreach ($a in '--blobHost', '127.0.0.1', '--blobPort', "$port", '--location', $Location, '--skipApiVersionCheck', '--loose', '--silent') { $start.ArgumentList.Add($a) }
    $scheme = 'http'
    $certificate = $null
    if ($OAuth) {
        $certificate = Join-Path $Location 'tls-cert.pem'
        $tlsKey = Join-Path $Location 'tls-key.pem'
        $out = & openssl req -x509 -newkey rsa:2048 -nodes -keyout $tlsKey -out $certificate -days 2 -subj '/CN=127.0.0.1' `
            -addext 'subjectAltName=IP:127.0.0.1' -addext 'extendedKeyUsage=serverAuth' 2>&1
        if ($LASTEXITCODE -ne 0) { throw "openssl could not make Azurite's certificate: $out" }
        foreach ($a in '--cert', $certificate, '--key', $tlsKey, '--oauth', 'basic') { $start.ArgumentList.Add($a) }
        $scheme = 'https'
    }
    $start.Environment['AZURITE_ACCOUNTS'] = "${account}:$key"
    $start.RedirectStandardOutput = $true
    $start.RedirectStandardError = $true
    $start.UseShellExecute = $false
    $process = [System.Diagnostics.Process]::Start($start)
    $deadline = [DateTime]::UtcNow.AddSeconds(30)
    while ($true) {
        if ($process.HasExited) { throw "Azurite exited with code $($process.ExitCode): $($process.StandardError.ReadToEnd())" }
        $client = [System.Net.Sockets.TcpClient]::new()
        try { $client.Connect([System.Net.IPAddress]::Loopback, $port); break } catch { Start-Sleep -Milliseconds 200 } finally { $client.Dispose() }
        if ([DateTime]::UtcNow -gt $deadline) { $process.Kill($true); throw "Azurite did not listen on 127.0.0.1:$port within 30 s" }
    }
    $endpoint = "${scheme}://127.0.0.1:$port/$account"
    [pscustomobject]@{
        Process          = $process
        Port             = $port
        Location         = $Location
        Account          = $account
        Key              = $key
        BlobEndpoint     = $endpoint
        ConnectionString = "DefaultEndpointsProtocol=$scheme;AccountName=$account;AccountKey=$key;BlobEndpoint=$endpoint;"
        CertificatePath  = $certificate
    }
}

function New-KfAccessToken {
    <#
    A Microsoft Entra-style access token (a JWT signed RS256 with a key made on the spot) for -Audience
    (https://storage.azure.com by default), issued by https://sts.windows.net/TENANT/, valid from a minute ago
    for an hour unless -ExpiresInSeconds says otherwise; the claims a managed identity's token carries.
    #>
    param([string] $Audience = 'https://storage.azure.com', [string] $Tenant = '72f988bf-86f1-41af-91ab-2d7cd011db47',
        [string] $ObjectId = ([guid]::NewGuid().ToString()), [int] $ExpiresInSeconds = 3600)
    function ConvertTo-Base64Url([byte[]] $Bytes) { [Convert]::ToBase64String($Bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_') }
    $now = [DateTimeOffset]::UtcNow.ToUnixTimeSeconds()
    $header = @{ typ = 'JWT'; alg = 'RS256'; kid = 'kf-test' } | ConvertTo-Json -Compress
    $claims = [ordered]@{ aud = $Audience; iss = "https://sts.windows.net/$Tenant/"; iat = $now - 60; nbf = $now - 60; exp = $now + $ExpiresInSeconds
        oid = $ObjectId; sub = $ObjectId; tid = $Tenant; idtyp = 'app'; ver = '1.0' } | ConvertTo-Json -Compress
    $body = (ConvertTo-Base64Url ([Text.Encoding]::UTF8.GetBytes($header))) + '.' + (ConvertTo-Base64Url ([Text.Encoding]::UTF8.GetBytes($claims)))
    $rsa = [System.Security.Cryptography.RSA]::Create(2048)
    try {
        $signature = $rsa.SignData([Text.Encoding]::ASCII.GetBytes($body), [System.Security.Cryptography.HashAlgorithmName]::SHA256, [System.Security.Cryptography.RSASignaturePadding]::Pkcs1)
    } finally { $rsa.Dispose() }
    return "$body.$(ConvertTo-Base64Url $signature)"
}

function Start-KfIdentityEndpoint {
    <#
    A managed identity endpoint on 127.0.0.1 as Azure Automation and App Service give a sandbox one
    (IDENTITY_ENDPOINT and IDENTITY_HEADER, API version 2019-08-01): a GET with the X-IDENTITY-HEADER secret
    and a resource gets -Token for it; anything else gets 400. Returns Endpoint, Header, Requests (each one's
    query and whether its secret matched) and Listener; stop it with Stop-KfIdentityEndpoint.
    #>
    param([Parameter(Mandatory)] [string] $Token)
    $port = Get-KfFreePort
    $listener = [System.Net.HttpListener]::new()
    $listener.Prefixes.Add("http://127.0.0.1:$port/")
    $listener.Start()
    $secret = [guid]::NewGuid().ToString('N')
    $requests = [System.Collections.Concurrent.ConcurrentQueue[object]]::new()
    $ps = [powershell]::Create()
    $null = $ps.AddScript({
        param($Listener, $Secret, $Token, $Requests)
        while ($Listener.IsListening) {
            try { $context = $Listener.GetContext() } catch { break }
            $query = $context.Request.QueryString
            $authentic = $context.Request.Headers['X-IDENTITY-HEADER'] -eq $Secret
            $Requests.Enqueue([pscustomobject]@{ Path = $context.Request.Url.AbsolutePath; ApiVersion = $query['api-version']; Resource = $query['resource']
                ClientId = $query['client_id']; Authentic = $authentic })
            if ($authentic -and $query['resource']) {
                $status = 200
                $body = [ordered]@{ access_token = $Token; expires_on = "$([DateTimeOffset]::UtcNow.AddHours(1).ToUnixTimeSeconds())"
                    resource = $query['resource']; token_type = 'Bearer'; client_id = "$($query['client_id'])" } | ConvertTo-Json -Compress
            } else {
                $status = 400
                $body = @{ statusCode = 400; message = 'X-IDENTITY-HEADER or resource missing' } | ConvertTo-Json -Compress
            }
            $bytes = [Text.Encoding]::UTF8.GetBytes($body)
            $context.Response.StatusCode = $status
            $context.Response.ContentType = 'application/json'
            $context.Response.OutputStream.Write($bytes, 0, $bytes.Length)
            $context.Response.Close()
        }
    }).AddArgument($listener).AddArgument($secret).AddArgument($Token).AddArgument($requests)
    $handle = $ps.BeginInvoke()
    [pscustomobject]@{ Endpoint = "http://127.0.0.1:$port/msi/token"; Header = $secret; Requests = $requests; Listener = $listener; Shell = $ps; Handle = $handle }
}

function Stop-KfIdentityEndpoint {
    param([Parameter(Mandatory)] $Identity)
    $Identity.Listener.Stop()
    $null = $Identity.Handle.AsyncWaitHandle.WaitOne(5000)
    $Identity.Shell.Dispose()
    $Identity.Listener.Close()
}

function Invoke-KfIsolatedModule {
    <#
    Runs -Script in a fresh pwsh with the module at -ModulePath imported and an environment of its own: the
    Azure credential variables of this process removed, -Environment added (IDENTITY_ENDPOINT..., SSL_CERT_FILE
    to trust a test certificate the way the machine's store would). The script's output is taken as JSON.
    #>
    param([Parameter(Mandatory)] [string] $ModulePath, [Parameter(Mandatory)] [string] $Script, [hashtable] $Environment = @{})
    $start = [System.Diagnostics.ProcessStartInfo]::new((Join-Path $PSHOME 'pwsh'))
    foreach ($a in '-NoProfile', '-NonInteractive', '-Command', "Import-Module '$ModulePath'; $Script") { $start.ArgumentList.Add($a) }
    foreach ($name in @($start.Environment.Keys)) {
        if ($name -match '^(AZURE_|IDENTITY_|MSI_|IMDS_|SSL_CERT_)') { $null = $start.Environment.Remove($name) }
    }
    foreach ($name in $Environment.Keys) { $start.Environment[$name] = [string]$Environment[$name] }
    $start.RedirectStandardOutput = $true
    $start.RedirectStandardError = $true
    $start.UseShellExecute = $false
    $process = [System.Diagnostics.Process]::Start($start)
    $stderr = $process.StandardError.ReadToEndAsync()
    $stdout = $process.StandardOutput.ReadToEnd()
    if (-not $process.WaitForExit(300000)) { $process.Kill($true); throw 'The isolated script did not end within 5 minutes.' }
    if ($process.ExitCode -ne 0) { throw "The isolated script failed ($($process.ExitCode)): $stdout $($stderr.Result)" }
    return $stdout | ConvertFrom-Json
}

function Stop-KfAzurite {
    <# Stops the Azurite that Start-KfAzurite started (that process tree only) and removes its storage folder. #>
    [CmdletBinding()]
    param([Parameter(Mandatory)] $Azurite, [switch] $KeepLocation)
    if (-not $Azurite.Process.HasExited) { $Azurite.Process.Kill($true); $Azurite.Process.WaitForExit(10000) | Out-Null }
    if (-not $KeepLocation -and (Test-Path $Azurite.Location)) { Remove-Item -Recurse -Force $Azurite.Location }
}

function New-KfGpgHome {
    <#
    A private GnuPG home with -Name keys made on the spot (no passphrase unless -Passphrase): 'curve' is
    ed25519 with a cv25519 encryption subkey, 'rsa' RSA-3072 with an RSA-3072 encryption subkey. Returns Home
    and, per key, Public and Secret (armored files), Email and Fingerprint. Remove it with Remove-KfGpgHome.
    #>
    [CmdletBinding()]
    param([string[]] $Name = @('curve'), [string] $Passphrase = '')
    $root = Join-Path ([IO.Path]::GetTempPath()) "kf-gpg-$([guid]::NewGuid().ToString('N').Substring(0, 8))"
    $gpgHome = Join-Path $root 'home'
    New-Item -ItemType Directory -Force -Path $gpgHome | Out-Null
    & chmod 700 $gpgHome
    $keys = [ordered]@{}
    foreach ($n in $Name) {
        $email = "$n@kforensics.test"
        $common = @('--homedir', $gpgHome, '--batch', '--pinentry-mode', 'loopback', '--passphrase', $Passphrase)
        if ($n -eq 'rsa') {
            & gpg @common --quick-gen-key "KForensics $n <$email>" rsa3072 cert never 2>$null
            $fpr = (& gpg --homedir $gpgHome --with-colons --list-keys $email 2>$null | Where-Object { $_ -like 'fpr:*' } | Select-Object -First 1).Split(':')[9]
            & gpg @common --quick-add-key $fpr rsa3072 encr never 2>$null
        } else {
            & gpg @common --quick-gen-key "KForensics $n <$email>" future-default default never 2>$null
        }
        if ($LASTEXITCODE -ne 0) { throw "gpg could not make the key $n" }
        $fpr = (& gpg --homedir $gpgHome --with-colons --list-keys $email 2>$null | Where-Object { $_ -like 'fpr:*' } | Select-Object -First 1).Split(':')[9]
        $public = Join-Path $root "$n.asc"; $secret = Join-Path $root "$n-secret.asc"
        & gpg --homedir $gpgHome --armor --export $email | Set-Content -Path $public
        & gpg @common --armor --export-secret-keys $email | Set-Content -Path $secret
        $keys[$n] = [pscustomobject]@{ Email = $email; Fingerprint = $fpr; Public = $public; Secret = $secret }
    }
    [pscustomobject]@{ Root = $root; Home = $gpgHome; Keys = $keys }
}

function Invoke-KfGpg {
    <# Runs gpg in a home from New-KfGpgHome, in batch mode; returns its exit code and stderr text. #>
    param([Parameter(Mandatory)] $GpgHome, [Parameter(Mandatory)] [string[]] $Arguments)
    $err = & gpg --homedir $GpgHome.Home --batch --yes --trust-model always --pinentry-mode loopback --passphrase '' @Arguments 2>&1 | ForEach-Object { "$_" }
    [pscustomobject]@{ ExitCode = $LASTEXITCODE; Output = ($err -join "`n") }
}

function Remove-KfGpgHome {
    <# Stops the gpg-agent of that home only (gpgconf --homedir), then removes it. #>
    param([Parameter(Mandatory)] $GpgHome)
    & gpgconf --homedir $GpgHome.Home --kill all 2>$null
    Remove-Item -Recurse -Force $GpgHome.Root -ErrorAction SilentlyContinue
}

function Get-KfPeakWorkingSet {
    <#
    Runs -Script in a fresh pwsh with the module at -ModulePath imported and returns the process's peak
    working set (VmHWM) while the script ran, in bytes: the peak is reset after the import (clear_refs),
    so Baseline (the working set after the import) and Peak are both reported.
    #>
    param([Parameter(Mandatory)] [string] $ModulePath, [Parameter(Mandatory)] [string] $Script)
    $wrapper = @"
`$ErrorActionPreference = 'Stop'
Import-Module '$ModulePath'
function hwm { [long](@((Get-Content /proc/self/status) -match '^VmHWM:')[0] -replace '\D', '') * 1024 }
function rss { [long](@((Get-Content /proc/self/status) -match '^VmRSS:')[0] -replace '\D', '') * 1024 }
[GC]::Collect()
`$baseline = rss
`$reset = [IO.FileStream]::new('/proc/self/clear_refs', [IO.FileMode]::Open, [IO.FileAccess]::Write); `$reset.Write([byte[]](53), 0, 1); `$reset.Dispose()
$Script
'KF-PEAK {0} {1}' -f `$baseline, (hwm)
"@
    $out = & (Join-Path $PSHOME 'pwsh') -NoProfile -NonInteractive -Command $wrapper 2>&1 | ForEach-Object { "$_" }
    $line = $out | Where-Object { $_ -like 'KF-PEAK *' } | Select-Object -Last 1
    if ($LASTEXITCODE -ne 0 -or -not $line) { throw "The measured script failed: $($out -join "`n")" }
    $parts = $line.Split(' ')
    [pscustomobject]@{ Baseline = [long]$parts[1]; Peak = [long]$parts[2]; Output = $out }
}

function Get-KfModuleDependency {
    <# An assembly the imported KForensics module loaded into its private context (Azure.Storage.Blobs...). #>
    param([Parameter(Mandatory)] [string] $Name)
    $context = [System.Runtime.Loader.AssemblyLoadContext]::All | Where-Object Name -eq 'KForensics.Dependencies' | Select-Object -First 1
    if ($context) { return $context.LoadFromAssemblyName([System.Reflection.AssemblyName]::new($Name)) }
    $loaded = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq $Name } | Select-Object -First 1
    if (-not $loaded) { throw "$Name is not loaded: import the KForensics module first." }
    return $loaded
}

function Get-KfAzuriteContainer {
    <# A BlobContainerClient (the module's own Azure.Storage.Blobs) for -Name in a Start-KfAzurite instance; -Create makes it. #>
    param([Parameter(Mandatory)] $Azurite, [Parameter(Mandatory)] [string] $Name, [switch] $Create)
    $type = (Get-KfModuleDependency 'Azure.Storage.Blobs').GetType('Azure.Storage.Blobs.BlobContainerClient', $true)
    if ($Azurite.CertificatePath) {
        # HTTPS with the test's own certificate: trusted by this client alone, as its only root.
        $handler = [System.Net.Http.SocketsHttpHandler]::new()
        $handler.SslOptions.CertificateChainPolicy = [System.Security.Cryptography.X509Certificates.X509ChainPolicy]::new()
        $handler.SslOptions.CertificateChainPolicy.TrustMode = 'CustomRootTrust'
        $handler.SslOptions.CertificateChainPolicy.RevocationMode = 'NoCheck'
        $null = $handler.SslOptions.CertificateChainPolicy.CustomTrustStore.Add([System.Security.Cryptography.X509Certificates.X509Certificate2]::new($Azurite.CertificatePath))
        $options = [Activator]::CreateInstance((Get-KfModuleDependency 'Azure.Storage.Blobs').GetType('Azure.Storage.Blobs.BlobClientOptions', $true), [object[]]@([System.Enum]::GetValues((Get-KfModuleDependency 'Azure.Storage.Blobs').GetType('Azure.Storage.Blobs.BlobClientOptions+ServiceVersion', $true))[-1]))
        $options.Transport = [Activator]::CreateInstance((Get-KfModuleDependency 'Azure.Core').GetType('Azure.Core.Pipeline.HttpClientTransport', $true), [object[]]@([System.Net.Http.HttpMessageHandler]$handler))
        $client = [Activator]::CreateInstance($type, [object[]]@($Azurite.ConnectionString, $Name, $options))
    } else {
        $client = [Activator]::CreateInstance($type, [object[]]@($Azurite.ConnectionString, $Name))
    }
    if ($Create) { $null = $client.CreateIfNotExists() }
    return $client
}

function New-KfAzuriteSas {
    <# A container SAS query (no leading '?') granting -Permission (for example 'rl'), valid for an hour. #>
    param([Parameter(Mandatory)] $Azurite, [Parameter(Mandatory)] [string] $Container, [Parameter(Mandatory)] [string] $Permission)
    $blobs = Get-KfModuleDependency 'Azure.Storage.Blobs'
    $builderType = $blobs.GetType('Azure.Storage.Sas.BlobSasBuilder', $true)
    $builder = [Activator]::CreateInstance($builderType)
    $builder.BlobContainerName = $Container
    $builder.Resource = 'c'
    $builder.ExpiresOn = [DateTimeOffset]::UtcNow.AddHours(1)
    $builder.SetPermissions($Permission)
    $credType = (Get-KfModuleDependency 'Azure.Storage.Common').GetType('Azure.Storage.StorageSharedKeyCredential', $true)
    $credential = [Activator]::CreateInstance($credType, [object[]]@($Azurite.Account, $Azurite.Key))
    return $builder.ToSasQueryParameters($credential).ToString()
}

function New-KfRandomFile {
    <# A file of -Bytes random bytes, written in 4 MiB pieces (a 1 GiB file never sits in memory). #>
    param([Parameter(Mandatory)] [string] $Path, [Parameter(Mandatory)] [long] $Bytes)
    $random = [System.Security.Cryptography.RandomNumberGenerator]::Create()
    $buffer = [byte[]]::new(4MB)
    $stream = [System.IO.File]::Create($Path)
    try {
        for ($left = $Bytes; $left -gt 0; $left -= $n) {
            $n = [int][math]::Min($left, $buffer.Length)
            $random.GetBytes($buffer, 0, $n)
            $stream.Write($buffer, 0, $n)
        }
    } finally { $stream.Dispose(); $random.Dispose() }
    Get-Item $Path
}

Export-ModuleMember -Function *-Kf*
