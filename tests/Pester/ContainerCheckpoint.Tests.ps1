# Checkpoint and restore against the real Docker engine with CRIU (set up by build.ps1 -Task Bootstrap).
# Skipped, visibly, when that engine cannot exist here: not Debian as root, or no experimental engine.
BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot '../Setup/KForensics.TestSupport.psm1') -Force
    $script:engineReady = (Test-KfDebianRoot) -and (Get-Command docker -ErrorAction SilentlyContinue) -and (Test-KfDockerExperimental)
    $script:skip = -not $script:engineReady
}

BeforeAll {
    Import-Module $env:KF_MODULE_PATH -Force
    Import-Module (Join-Path $PSScriptRoot '../Setup/KForensics.TestSupport.psm1') -Force
    $script:image = Get-KfTestImage
    $script:prefix = 'kfpt' + [Guid]::NewGuid().ToString('N').Substring(0, 6)
    $script:loop = 'i=0; while true; do echo $i; i=$((i+1)); sleep 0.3; done'

    function script:Start-Looper([string] $Name, [switch] $Marker) {
        $cmd = if ($Marker) { 'mkdir -p /var/kf && echo evidence > /var/kf/marker; ' + $script:loop } else { $script:loop }
        & docker run -d --name $Name $script:image /bin/sh -c $cmd | Out-Null
        Wait-KfContainerNumber $Name 3 | Out-Null
    }



    function script:Test-ContainerExists([string] $Name) {
        $found = & docker ps -aq --filter "name=^/$Name$"
        return [bool]$found
    }

    function script:Get-State([string] $Name) { (& docker inspect -f '{{.State.Status}}' $Name).Trim() }

    # The error a cmdlet writes, caught as the record itself (the preference turns it into a stop).
    function script:Get-ErrorId([scriptblock] $Action) {
        try {
            $ErrorActionPreference = 'Stop'
            & $Action | Out-Null
            return $null
        } catch {
            return $_
        }
    }
}

AfterAll {
    if ($script:prefix -and (Get-Command docker -ErrorAction SilentlyContinue)) {
        $ids = @(& docker ps -aq --filter "name=$($script:prefix)")
        if ($ids.Count -gt 0) { & docker rm -f $ids | Out-Null }
    }
}

Describe 'Checkpoint and restore (real engine, CRIU)' -Skip:$skip {
    It 'resumes the looper in a clone at the number after the last one printed before the checkpoint' {
        $name = "$prefix-looper"
        Start-Looper $name
        $cp = New-ContainerCheckpoint -Container $name -Name cp1
        Get-State $name | Should -Be 'exited'
        $last = (Get-KfContainerNumber $name)[-1]

        $restored = $cp | Restore-Container -Name "$name-clone" -Confirm:$false
        $restored.Name | Should -Be "$name-clone"
        $restored.IsClone | Should -BeTrue
        $restored.State | Should -Be 'running'
        $restored.StartedUtc.Kind | Should -Be 'Utc'
        (Wait-KfContainerNumber "$name-clone" 1)[0] | Should -Be ($last + 1)
    }

    It 'records every checkpoint file with the SHA-256 the file really has' {
        $name = "$prefix-hash"
        Start-Looper $name
        $cp = New-ContainerCheckpoint $name -Name cph
        $cp.ContainerName | Should -Be $name
        $cp.Image | Should -Be $image
        $cp.ImageId | Should -Match '^sha256:'
        $cp.LeftRunning | Should -BeFalse
        $cp.CreatedUtc.Kind | Should -Be 'Utc'
        $cp.Files.Count | Should -BeGreaterThan 5
        $cp.Files.RelativePath | Should -Contain 'inventory.img'
        foreach ($f in $cp.Files) {
            (Get-FileHash -Algorithm SHA256 (Join-Path $cp.Location $f.RelativePath)).Hash.ToLowerInvariant() | Should -Be $f.Sha256
        }
        (Get-ContainerCheckpoint $name).Name | Should -Be 'cph'
    }

    It 'keeps the original counting with -LeaveRunning' {
        $name = "$prefix-running"
        Start-Looper $name
        $cp = New-ContainerCheckpoint $name -Name live -LeaveRunning
        $cp.LeftRunning | Should -BeTrue
        Get-State $name | Should -Be 'running'
        $before = (Get-KfContainerNumber $name)[-1]
        Start-Sleep -Seconds 1.5
        (Get-KfContainerNumber $name)[-1] | Should -BeGreaterThan $before
        $clone = $cp | Restore-Container -Name "$name-clone" -Confirm:$false
        $clone.State | Should -Be 'running'
        (Wait-KfContainerNumber "$name-clone" 1)[0] | Should -BeGreaterThan 0
    }

    It 'restores the stopped original from its own checkpoint' {
        $name = "$prefix-orig"
        Start-Looper $name
        New-ContainerCheckpoint $name -Name back | Out-Null
        $before = Get-KfContainerNumber $name
        $last = $before[-1]
        $count = $before.Count
        $r = Restore-Container -Container $name -Checkpoint back -Confirm:$false
        $r.IsClone | Should -BeFalse
        $r.State | Should -Be 'running'
        $after = Wait-KfContainerNumber $name ($count + 1)
        $after[$count] | Should -Be ($last + 1)
    }

    It 'restores the original from a custom checkpoint directory, which the engine refuses, by staging it' {
        $name = "$prefix-customdir"
        $dir = Join-Path $TestDrive 'checkpoints'
        New-Item -ItemType Directory $dir | Out-Null
        Start-Looper $name
        $cp = New-ContainerCheckpoint $name -Name outside -CheckpointDirectory $dir
        $cp.Location | Should -Be (Join-Path $dir 'outside')
        (Get-ChildItem (Join-Path $dir 'outside')).Count | Should -Be $cp.Files.Count
        $before = Get-KfContainerNumber $name
        $cp | Restore-Container -Confirm:$false | Out-Null
        $after = Wait-KfContainerNumber $name ($before.Count + 1)
        $after[$before.Count] | Should -Be ($before[-1] + 1)
    }

    It 'exports an archive checkpointctl reads and imports it under a new name that continues counting' {
        $name = "$prefix-export"
        Start-Looper $name -Marker
        $cp = New-ContainerCheckpoint $name -Name cpx
        $last = (Get-KfContainerNumber $name)[-1]
        $archivePath = Join-Path $TestDrive 'looper.tar.gz'
        $archive = $cp | Export-ContainerCheckpoint -Path $archivePath
        $archive.Sha256 | Should -Be (Get-FileHash -Algorithm SHA256 $archivePath).Hash.ToLowerInvariant()

        $members = @(& tar -tzf $archivePath)
        foreach ($m in 'checkpoint/inventory.img', 'rootfs-diff.tar', 'config.dump', 'spec.dump', 'kforensics-manifest.json') { $members | Should -Contain $m }
        $unpacked = Join-Path $TestDrive 'unpacked'
        New-Item -ItemType Directory $unpacked | Out-Null
        & tar -xzf $archivePath -C $unpacked
        $manifest = Get-Content -Raw (Join-Path $unpacked 'kforensics-manifest.json') | ConvertFrom-Json
        $manifest.container.name | Should -Be $name
        $manifest.tools.criu | Should -Match '^4\.'
        foreach ($m in $manifest.members) {
            (Get-FileHash -Algorithm SHA256 (Join-Path $unpacked $m.path)).Hash.ToLowerInvariant() | Should -Be $m.sha256
        }
        @(& tar -tf (Join-Path $unpacked 'rootfs-diff.tar')) | Should -Contain 'var/kf/marker'

        $checkpointctl = Get-KfCheckpointTool -Name checkpointctl
        $shown = & $checkpointctl show $archivePath 2>&1
        $LASTEXITCODE | Should -Be 0 -Because ($shown -join "`n")
        ($shown -join "`n") | Should -Match ([regex]::Escape($name))

        $imported = $archive | Import-ContainerCheckpoint -Name "$name-imported" -Confirm:$false
        $imported.State | Should -Be 'running'
        (Wait-KfContainerNumber "$name-imported" 1)[0] | Should -Be ($last + 1)
        (& docker exec "$name-imported" cat /var/kf/marker) | Should -Be 'evidence'
    }

    It 'shows its steps with Write-Progress while it exports and imports, and completes each bar' {
        $name = "$prefix-progress"
        Start-Looper $name -Marker
        New-ContainerCheckpoint $name -Name cpp -LeaveRunning | Out-Null
        $archivePath = Join-Path $TestDrive 'progress.tar.gz'
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript("Import-Module '$env:KF_MODULE_PATH'; `$ProgressPreference = 'Continue'; " +
                "Export-ContainerCheckpoint -Container $name -Checkpoint cpp -Path '$archivePath' | Out-Null; " +
                "Import-ContainerCheckpoint -Path '$archivePath' -Name $name-imported -Confirm:`$false | Out-Null")
            $null = $ps.Invoke()
            @($ps.Streams.Error) | Should -BeNullOrEmpty
            $records = @($ps.Streams.Progress)
        } finally { $ps.Dispose() }
        Get-State "$name-imported" | Should -Be 'running'
        foreach ($step in @(
                @{ Activity = 'Export-ContainerCheckpoint'; Pattern = "^(Reading the container's file changes|Packing (checkpoint/.+|rootfs-diff\.tar)|Writing the manifest|Hashing progress\.tar\.gz)$" }
                @{ Activity = 'Import-ContainerCheckpoint'; Pattern = "^(Unpacking and hashing progress\.tar\.gz|Checking every member against the manifest|Creating $name-imported and restoring the checkpoint into it)$" })) {
            $mine = @($records | Where-Object Activity -eq $step.Activity)
            $running = @($mine | Where-Object RecordType -eq 'Processing')
            $running.Count | Should -BeGreaterThan 0 -Because "$($step.Activity) shows its steps"
            $running | ForEach-Object { $_.StatusDescription | Should -Match $step.Pattern; $_.CurrentOperation | Should -Be $archivePath }
            $mine[-1].RecordType | Should -Be 'Completed'
        }
    }

    It 'refuses a tampered archive and creates nothing' {
        $name = "$prefix-tamper"
        Start-Looper $name
        $archivePath = Join-Path $TestDrive 'tamper.tar.gz'
        New-ContainerCheckpoint $name -Name cpt | Export-ContainerCheckpoint -Path $archivePath | Out-Null
        $dir = Join-Path $TestDrive 'tamper'
        New-Item -ItemType Directory $dir | Out-Null
        & tar -xzf $archivePath -C $dir
        $pages = Get-ChildItem (Join-Path $dir 'checkpoint') -Filter 'pages-*.img' | Select-Object -First 1
        $bytes = [System.IO.File]::ReadAllBytes($pages.FullName)
        $bytes[100] = $bytes[100] -bxor 0xff
        [System.IO.File]::WriteAllBytes($pages.FullName, $bytes)
        $tampered = Join-Path $TestDrive 'tampered.tar.gz'
        & tar -czf $tampered -C $dir .

        $err = Get-ErrorId { Import-ContainerCheckpoint -Path $tampered -Name "$name-evil" -Confirm:$false }
        $err.FullyQualifiedErrorId | Should -BeLike 'CheckpointArchiveHashMismatch*'
        $err.CategoryInfo.Category | Should -Be 'SecurityError'
        $err.Exception.Message | Should -Match ([regex]::Escape($pages.Name))
        Test-ContainerExists "$name-evil" | Should -BeFalse
    }

    It 'refuses an archive whose <Kind> leaves the extraction directory, and creates nothing' -ForEach @(
        @{ Kind = 'member path'; Entry = 'dotdot' }
        @{ Kind = 'symbolic link'; Entry = 'symlink' }
        @{ Kind = 'absolute path'; Entry = 'absolute' }
    ) {
        $escapeName = "kf-escape-$([Guid]::NewGuid().ToString('N'))"
        $archivePath = Join-Path $TestDrive "$Entry.tar.gz"
        $payload = [System.Text.Encoding]::UTF8.GetBytes('escaped')
        $hash = [Convert]::ToHexString([System.Security.Cryptography.SHA256]::HashData($payload)).ToLowerInvariant()
        $memberName = switch ($Entry) { 'dotdot' { "checkpoint/../../$escapeName" } 'absolute' { "/tmp/$escapeName" } default { 'checkpoint/link' } }
        $manifest = [ordered]@{ format = 'kforensics-checkpoint/1'; checkpoint = @{ name = 'cp1' }; container = @{ name = 'x' }
            members = @(@{ path = $memberName; length = $payload.Length; sha256 = $hash }) } | ConvertTo-Json -Depth 5
        $file = [System.IO.File]::Create($archivePath)
        $gzip = [System.IO.Compression.GZipStream]::new($file, [System.IO.Compression.CompressionLevel]::Fastest)
        $tar = [System.Formats.Tar.TarWriter]::new($gzip, [System.Formats.Tar.TarEntryFormat]::Pax, $false)
        if ($Entry -eq 'symlink') {
            $link = [System.Formats.Tar.PaxTarEntry]::new([System.Formats.Tar.TarEntryType]::SymbolicLink, 'checkpoint/link')
            $link.LinkName = '../../../../../../tmp'
            $tar.WriteEntry($link)
            $entry = [System.Formats.Tar.PaxTarEntry]::new([System.Formats.Tar.TarEntryType]::RegularFile, "checkpoint/link/$escapeName")
        } else {
            $entry = [System.Formats.Tar.PaxTarEntry]::new([System.Formats.Tar.TarEntryType]::RegularFile, $memberName)
        }
        $entry.DataStream = [System.IO.MemoryStream]::new($payload)
        $tar.WriteEntry($entry)
        $m = [System.Formats.Tar.PaxTarEntry]::new([System.Formats.Tar.TarEntryType]::RegularFile, 'kforensics-manifest.json')
        $m.DataStream = [System.IO.MemoryStream]::new([System.Text.Encoding]::UTF8.GetBytes($manifest))
        $tar.WriteEntry($m)
        $tar.Dispose(); $gzip.Dispose(); $file.Dispose()

        $err = Get-ErrorId { Import-ContainerCheckpoint -Path $archivePath -Name "$prefix-escape" -Confirm:$false }
        $err.FullyQualifiedErrorId | Should -BeLike 'CheckpointArchiveUnsafePath*'
        $err.CategoryInfo.Category | Should -Be 'SecurityError'
        Test-ContainerExists "$prefix-escape" | Should -BeFalse
        Test-Path (Join-Path '/tmp' $escapeName) | Should -BeFalse
        @(Get-ChildItem ([System.IO.Path]::GetTempPath()) -Recurse -Filter $escapeName -ErrorAction SilentlyContinue).Count | Should -Be 0
    }

    It 'changes nothing with -WhatIf' {
        $name = "$prefix-whatif"
        Start-Looper $name
        New-ContainerCheckpoint $name -Name wi -WhatIf | Should -BeNullOrEmpty
        Get-State $name | Should -Be 'running'
        @(Get-ContainerCheckpoint $name).Count | Should -Be 0

        $cp = New-ContainerCheckpoint $name -Name wi -LeaveRunning
        $cp | Restore-Container -Name "$name-clone" -WhatIf | Should -BeNullOrEmpty
        Test-ContainerExists "$name-clone" | Should -BeFalse
        $cp | Remove-ContainerCheckpoint -WhatIf
        (Get-ContainerCheckpoint $name).Name | Should -Be 'wi'
        $archivePath = Join-Path $TestDrive 'whatif.tar.gz'
        $cp | Export-ContainerCheckpoint -Path $archivePath -WhatIf | Should -BeNullOrEmpty
        Test-Path $archivePath | Should -BeFalse
        $real = $cp | Export-ContainerCheckpoint -Path $archivePath
        Import-ContainerCheckpoint -Path $real.Path -Name "$name-import" -WhatIf | Should -BeNullOrEmpty
        Test-ContainerExists "$name-import" | Should -BeFalse

        $cp | Remove-ContainerCheckpoint -Confirm:$false
        @(Get-ContainerCheckpoint $name).Count | Should -Be 0
    }
}

Describe 'Errors users meet (real engine)' -Skip:$skip {
    BeforeAll {
        $script:busy = "$prefix-busy"
        Start-Looper $script:busy
        $script:busyCp = New-ContainerCheckpoint $script:busy -Name cpe -LeaveRunning
    }

    It 'reports an unknown container as ObjectNotFound' {
        $err = Get-ErrorId { New-ContainerCheckpoint -Container "$prefix-nosuch" }
        $err.FullyQualifiedErrorId | Should -BeLike 'ContainerNotFound*'
        $err.CategoryInfo.Category | Should -Be 'ObjectNotFound'
    }

    It 'keeps going after a failed item in a pipeline' {
        $err = $null
        $out = @("$prefix-nosuch", $busy) | Get-ContainerCheckpoint -ErrorVariable err -ErrorAction SilentlyContinue
        $err.Count | Should -Be 1
        $out.Name | Should -Be 'cpe'
    }

    It 'refuses a clone name already taken' {
        $err = Get-ErrorId { $busyCp | Restore-Container -Name $busy -Confirm:$false }
        $err.FullyQualifiedErrorId | Should -BeLike 'ContainerNameInUse*'
        $err.CategoryInfo.Category | Should -Be 'ResourceExists'
    }

    It 'refuses to restore into a running container' {
        $err = Get-ErrorId { Restore-Container -Container $busy -Checkpoint cpe -Confirm:$false }
        $err.FullyQualifiedErrorId | Should -BeLike 'ContainerRunning*'
        Get-State $busy | Should -Be 'running'
    }

    It 'refuses to checkpoint a stopped container' {
        $stopped = "$prefix-stopped"
        & docker create --name $stopped $image /bin/true | Out-Null
        $err = Get-ErrorId { New-ContainerCheckpoint $stopped }
        $err.FullyQualifiedErrorId | Should -BeLike 'ContainerNotRunning*'
    }

    It 'reports a CRIU failure with the lines of its log that say why' {
        # A deleted file held open that is larger than CRIU's ghost-file limit (1 MiB) cannot be dumped.
        $name = "$prefix-criufail"
        & docker run -d --name $name $image /bin/sh -c "dd if=/dev/zero of=/tmp/big bs=1M count=2 2>/dev/null; exec 3</tmp/big; rm /tmp/big; $loop" | Out-Null
        Wait-KfContainerNumber $name 2 | Out-Null
        $err = Get-ErrorId { New-ContainerCheckpoint $name -Name doomed }
        $err.FullyQualifiedErrorId | Should -BeLike 'CriuFailed*'
        $err.CategoryInfo.Category | Should -Be 'InvalidResult'
        $err.Exception.Message | Should -Match 'Dumping FAILED'
        $err.Exception.Message | Should -Match 'ghost file /tmp/big'
        Get-State $name | Should -Be 'running'
    }

    It 'reports a checkpoint that does not exist' {
        $err = Get-ErrorId { Get-ContainerCheckpoint $busy -Checkpoint nosuch }
        $err.FullyQualifiedErrorId | Should -BeLike 'CheckpointNotFound*'
        $err = Get-ErrorId { Restore-Container -Container $busy -Checkpoint nosuch -Name "$prefix-nocp" -Confirm:$false }
        $err.FullyQualifiedErrorId | Should -BeLike 'CheckpointNotFound*'
        $err.CategoryInfo.Category | Should -Be 'ObjectNotFound'
        Test-ContainerExists "$prefix-nocp" | Should -BeFalse
    }

    It 'says why a remote engine cannot stage a checkpoint, and creates nothing' {
        # The same engine reached over TCP: remote as far as the module can tell.
        Add-Type -TypeDefinition @'
using System.Net; using System.Net.Sockets; using System.Threading.Tasks;
public static class KfSocketForwarder {
    public static int Start(string socketPath) {
        var listener = new TcpListener(IPAddress.Loopback, 0); listener.Start();
        Task.Run(async () => { while (true) { var client = await listener.AcceptTcpClientAsync(); _ = Task.Run(async () => {
            using var unix = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            await unix.ConnectAsync(new UnixDomainSocketEndPoint(socketPath));
            using var a = client.GetStream(); using var b = new NetworkStream(unix);
            await Task.WhenAny(a.CopyToAsync(b), b.CopyToAsync(a)); client.Dispose(); }); } });
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
'@
        $port = [KfSocketForwarder]::Start('/var/run/docker.sock')
        $remote = "tcp://127.0.0.1:$port"
        (Get-ContainerCheckpoint $busy -DockerHost $remote).Name | Should -Be 'cpe'
        $err = Get-ErrorId { Restore-Container -Container $busy -Checkpoint cpe -Name "$prefix-remote" -DockerHost $remote -Confirm:$false }
        $err.FullyQualifiedErrorId | Should -BeLike 'CheckpointStagingUnavailable*'
        $err.Exception.Message | Should -Match 'remote engine'
        Test-ContainerExists "$prefix-remote" | Should -BeFalse
        $err = Get-ErrorId { $busyCp | Export-ContainerCheckpoint -Path (Join-Path $TestDrive 'remote.tar.gz') -DockerHost $remote }
        $err.FullyQualifiedErrorId | Should -BeLike 'CheckpointFilesUnreachable*'
        Test-Path (Join-Path $TestDrive 'remote.tar.gz') | Should -BeFalse
    }

    It 'reports an engine error without a more specific cause as DockerApiError, with the engine''s words, and creates nothing' {
        $err = Get-ErrorId { $busyCp | Restore-Container -Name "$prefix-nonet" -Network "$prefix-nosuchnet" -Confirm:$false }
        $err.FullyQualifiedErrorId | Should -BeLike 'DockerApiError*'
        $err.Exception.Message | Should -Match "answered 404 \(NotFound\): network $prefix-nosuchnet not found"
        Test-ContainerExists "$prefix-nonet" | Should -BeFalse
    }

    It 'stops at an engine without experimental features with DockerExperimentalDisabled and the fix, before any container is touched' -Skip:(-not (Get-Command unshare -ErrorAction SilentlyContinue)) {
        # A second, private engine on its own socket and data root, with the default configuration (no experimental), in a
        # network namespace of its own: an engine without a bridge deletes the interface docker0, which must stay the host's.
        $root = Join-Path ([IO.Path]::GetTempPath()) "kf-plain-engine-$([guid]::NewGuid().ToString('n').Substring(0, 8))"
        New-Item -ItemType Directory -Path $root | Out-Null
        '{}' | Set-Content (Join-Path $root 'daemon.json')
        $arguments = @('--data-root', "$root/data", '--exec-root', "$root/exec", '--pidfile', "$root/dockerd.pid", '-H', "unix://$root/docker.sock",
            '--bridge=none', '--iptables=false', '--ip-masq=false', '--config-file', "$root/daemon.json")
        $hadBridge = Test-Path /sys/class/net/docker0
        $engine = Start-Process -FilePath unshare -ArgumentList (@('--net', 'dockerd') + $arguments) -RedirectStandardError "$root/dockerd.log" -RedirectStandardOutput "$root/dockerd.out" -PassThru
        try {
            $deadline = [DateTime]::UtcNow.AddSeconds(60)
            while (-not (Test-Path "$root/docker.sock") -and -not $engine.HasExited -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 200 }
            Test-Path "$root/docker.sock" | Should -BeTrue -Because (Get-Content -Raw "$root/dockerd.log" -ErrorAction SilentlyContinue)
            (& docker -H "unix://$root/docker.sock" info --format '{{.ExperimentalBuild}}') | Should -Be 'false'
            $err = $null
            try { New-ContainerCheckpoint -Container $busy, "$prefix-other" -Name cpx -DockerHost "unix://$root/docker.sock" -ErrorAction SilentlyContinue } catch { $err = $_ }
            $err.FullyQualifiedErrorId | Should -BeLike 'DockerExperimentalDisabled*'
            $err.CategoryInfo.Category | Should -Be 'NotEnabled'
            $err.Exception.Message | Should -Match 'experimental'
            @(& docker ps -a --format '{{.Names}}' | Where-Object { $_ -eq $busy }).Count | Should -Be 1
            Get-State $busy | Should -Be 'running'
            @(Get-ContainerCheckpoint $busy).Name | Should -Not -Contain 'cpx'
        } finally {
            # SIGTERM, so that the engine stops the containerd it started too; only that process, by its id.
            if (-not $engine.HasExited) { & kill -TERM $engine.Id; if (-not $engine.WaitForExit(30000)) { $engine.Kill() } }
            Remove-Item -Recurse -Force $root -ErrorAction SilentlyContinue
        }
        if ($hadBridge) { Test-Path /sys/class/net/docker0 | Should -BeTrue -Because 'the host''s bridge is untouched' }
    }

    It 'reports an engine it cannot reach as a connection error' {
        $err = Get-ErrorId { Get-ContainerCheckpoint $busy -DockerHost "unix://$TestDrive/no.sock" }
        $err.FullyQualifiedErrorId | Should -BeLike 'DockerConnectionFailed*'
        $err.CategoryInfo.Category | Should -Be 'ConnectionError'
        # The failed request is in the libraries' log (what -Debug shows), a successful one too.
        $DebugPreference = 'Continue'
        $out = @(& { try { Get-ContainerCheckpoint $busy -DockerHost "unix://$TestDrive/no.sock" 5>&1 } catch { } })
        @($out | Where-Object { $_ -is [System.Management.Automation.DebugRecord] -and $_.Message -match '^\[Docker\] GET \S+/version failed: ' }).Count | Should -Be 1
        $out = @(Get-ContainerCheckpoint $busy 5>&1)
        ($out | Where-Object { $_ -isnot [System.Management.Automation.DebugRecord] }).Name | Should -Be 'cpe'
        @($out | Where-Object { $_ -is [System.Management.Automation.DebugRecord] -and $_.Message -match '^\[Docker\] GET \S+/containers/\S+/checkpoints\S* 200 \(\d+ ms\)$' }).Count | Should -BeGreaterThan 0
    }
}

Describe 'The sandbox: a clone runs with no network unless asked (real engine, CRIU)' -Skip:$skip {
    BeforeAll {
        # A server: busybox httpd listening on 8080 (a listening TCP socket CRIU must dump), and a counter.
        $script:server = "$prefix-server"
        $serve = 'mkdir -p /www && echo kforensics-sandbox > /www/index.html && httpd -p 8080 -h /www && ' + $script:loop
        & docker run -d --name $script:server $script:image /bin/sh -c $serve | Out-Null
        Wait-KfContainerNumber $script:server 3 | Out-Null
        $script:serverIp = (& docker inspect -f '{{.NetworkSettings.IPAddress}}' $script:server).Trim()
        $script:cp = New-ContainerCheckpoint $script:server -Name sandbox -LeaveRunning

        function script:Get-Interfaces([string] $Name) {
            @(& docker exec $Name cat /proc/net/dev | Select-Object -Skip 2 | ForEach-Object { ($_ -split ':')[0].Trim() })
        }

        # busybox-static's wget crashes; an HTTP/1.0 request through nc reads the page.
        function script:Get-Page([string] $Name, [string] $Address) {
            $lines = @(& docker exec $Name /bin/sh -c "printf 'GET / HTTP/1.0\r\n\r\n' | nc -w 3 $Address 8080" 2>&1)
            $ok = $LASTEXITCODE -eq 0 -and ($lines -join "`n") -match '^HTTP/1\.[01] 200'
            return [pscustomobject]@{ Ok = $ok; Text = $(if ($ok) { "$($lines[-1])".Trim() } else { '' }) }
        }
    }

    It 'the original answers on its loopback and on its address before the checkpoint' {
        (Get-Page $server '127.0.0.1').Text | Should -Be 'kforensics-sandbox'
        $serverIp | Should -Match '^\d+\.\d+\.\d+\.\d+$'
    }

    It 'restores a clone of a listening server with only its loopback: it answers there, reaches nothing else, and continues counting' {
        $before = (Get-KfContainerNumber $server)[-1]
        $clone = $cp | Restore-Container -Name "$server-clone" -Confirm:$false
        $clone.Network | Should -Be 'none'
        $clone.IsIsolated | Should -BeTrue
        (& docker inspect -f '{{.HostConfig.NetworkMode}}' "$server-clone").Trim() | Should -Be 'none'
        Get-Interfaces "$server-clone" | Should -Be @('lo')
        (Get-Page "$server-clone" '127.0.0.1').Text | Should -Be 'kforensics-sandbox'
        (Get-Page "$server-clone" $serverIp).Ok | Should -BeFalse
        $first = (Wait-KfContainerNumber "$server-clone" 1)[0]
        $first | Should -BeGreaterThan 0
        $first | Should -BeLessOrEqual ($before + 2)
    }

    It 'gives the clone the network -Network names, and says so' {
        $clone = $cp | Restore-Container -Name "$server-bridged" -Network bridge -Confirm:$false
        $clone.Network | Should -Be 'bridge'
        $clone.IsIsolated | Should -BeFalse
        Get-Interfaces "$server-bridged" | Should -Contain 'eth0'
        (Get-Page "$server-bridged" $serverIp).Text | Should -Be 'kforensics-sandbox'
    }

    It 'imports an exported checkpoint into an isolated clone by default' {
        $archive = $cp | Export-ContainerCheckpoint -Path (Join-Path $TestDrive 'server.tar.gz')
        $imported = $archive | Import-ContainerCheckpoint -Name "$server-imported" -Confirm:$false
        $imported.Network | Should -Be 'none'
        Get-Interfaces "$server-imported" | Should -Be @('lo')
        (Get-Page "$server-imported" '127.0.0.1').Text | Should -Be 'kforensics-sandbox'
    }

    It 'says which sockets need a network when CRIU cannot restore them into the isolated clone' {
        # A client connected over the bridge to a peer that keeps the connection open: its socket is bound to its own bridge address.
        $peer = "$server-peer"
        & docker run -d --name $peer $image /bin/sh -c 'while true; do nc -l -p 9000 -e sh -c "sleep 3600"; done' | Out-Null
        $peerIp = (& docker inspect -f '{{.NetworkSettings.IPAddress}}' $peer).Trim()
        $client = "$server-client"
        & docker run -d --name $client $image /bin/sh -c "nc $peerIp 9000 & $loop" | Out-Null
        Wait-KfContainerNumber $client 2 | Out-Null
        $clientIp = (& docker inspect -f '{{.NetworkSettings.IPAddress}}' $client).Trim()
        $cpc = New-ContainerCheckpoint $client -Name held -LeaveRunning
        $err = Get-ErrorId { $cpc | Restore-Container -Name "$client-clone" -Confirm:$false }
        $err.FullyQualifiedErrorId | Should -BeLike 'CriuFailed*'
        $err.Exception.Message | Should -Match ([regex]::Escape("TCP ${clientIp}:"))
        $err.Exception.Message | Should -Match ([regex]::Escape("-> ${peerIp}:9000"))
        $err.Exception.Message | Should -Not -Match '-Network' -Because 'the engine says what happened; the advice is the cmdlet''s'
        $err.ErrorDetails.Message | Should -Match '-Network <name>'
        Test-ContainerExists "$client-clone" | Should -BeFalse
    }

    It 'asks before running checkpointed code again, and refuses -Network for the original' {
        foreach ($name in 'Restore-Container', 'Import-ContainerCheckpoint') {
            $attribute = (Get-Command $name).ImplementingType.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false)[0]
            $attribute.ConfirmImpact | Should -Be 'High' -Because $name
            (Get-Command $name).Parameters.Keys | Should -Contain 'Network'
        }
        $err = Get-ErrorId { Restore-Container -Container $server -Checkpoint sandbox -Network bridge -Confirm:$false }
        $err.FullyQualifiedErrorId | Should -BeLike 'NetworkWithoutClone*'
    }
}
