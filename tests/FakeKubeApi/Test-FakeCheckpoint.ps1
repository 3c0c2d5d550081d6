# Self-check of the fake's checkpoint contract against a real Docker engine with CRIU (not part of the Pester run):
# starts the fake, seeds a CRI-O and a containerd node with a Docker stand-in, checkpoints it through the node
# proxy, checks the archives' members (and, when given, that checkpointctl reads them), every error mode, and the
# exec commands on the kubelet checkpoints hostPath. Throws at the first difference; removes what it started.
#   pwsh tests/FakeKubeApi/Test-FakeCheckpoint.ps1 [-Image kforensics/busybox:test] [-Checkpointctl <path>]
param([string] $Image = 'kforensics/busybox:test', [string] $Checkpointctl)
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PSScriptRoot 'FakeKubeApi.psm1') -Force
$work = Join-Path ([IO.Path]::GetTempPath()) "kffake-check-$PID"
New-Item -ItemType Directory -Force $work | Out-Null
$docker = "kffake-check-$PID"
& docker run -d --name $docker $Image sh -c 'i=0; while true; do echo $i; i=$((i+1)); sleep 1; done' | Out-Null
if ($LASTEXITCODE -ne 0) { throw "docker run $Image failed" }
$fake = Start-FakeKubeApi -WorkDirectory $work
$auth = @{ Authorization = 'Bearer kf-test-token' }

function Assert([bool] $Condition, [string] $What) { if (-not $Condition) { throw "FAILED: $What" }; Write-Host "ok  $What" }

function Invoke-Checkpoint([string] $Path) {
    $r = Invoke-WebRequest -Method Post -Uri "$($fake.Url)$Path" -Headers $auth -SkipHttpErrorCheck
    [pscustomobject]@{ Code = [int]$r.StatusCode; Type = [string]$r.Headers['Content-Type']; Body = [string]$r.Content }
}

function Invoke-Exec([string] $Pod, [string[]] $Command) {
    $query = ($Command | ForEach-Object { 'command=' + [Uri]::EscapeDataString($_) }) -join '&'
    $ws = [System.Net.WebSockets.ClientWebSocket]::new()
    $ws.Options.AddSubProtocol('v5.channel.k8s.io')
    $ws.Options.SetRequestHeader('Authorization', $auth.Authorization)
    $ws.ConnectAsync([Uri]("$($fake.Url -replace '^http', 'ws')/api/v1/namespaces/shop/pods/$Pod/exec?stdout=true&stderr=true&$query"), [Threading.CancellationToken]::None).Wait()
    $out = [IO.MemoryStream]::new(); $err = ''; $status = $null; $aborted = $false
    $buffer = [byte[]]::new(65536); $message = [IO.MemoryStream]::new()
    try {
        while ($true) {
            $r = $ws.ReceiveAsync([ArraySegment[byte]]::new($buffer), [Threading.CancellationToken]::None).GetAwaiter().GetResult()
            if ($r.MessageType -eq 'Close') { break }
            $message.Write($buffer, 0, $r.Count)
            if (-not $r.EndOfMessage) { continue }
            $m = $message.ToArray(); $message.SetLength(0)
            switch ($m[0]) {
                1 { $out.Write($m, 1, $m.Length - 1) }
                2 { $err += [Text.Encoding]::UTF8.GetString($m, 1, $m.Length - 1) }
                3 { $status = [Text.Encoding]::UTF8.GetString($m, 1, $m.Length - 1) | ConvertFrom-Json }
            }
        }
    } catch { $aborted = $true }
    [pscustomobject]@{ Stdout = $out.ToArray(); Text = [Text.Encoding]::UTF8.GetString($out.ToArray()); Stderr = $err; Status = $status; Aborted = $aborted }
}

try {
    Add-FakeKubeObjects $fake @{
        nodes = @(@{ name = 'node-crio'; runtime = 'cri-o' }, @{ name = 'node-ctrd'; runtime = 'containerd' })
        pods = @(
            @{ name = 'web-0'; namespace = 'shop'; node = 'node-crio'; runtime = 'cri-o'; containers = @(@{ name = 'app'; image = 'shop:1'; docker = $docker }, @{ name = 'bare'; image = 'shop:1' }) }
            @{ name = 'web-1'; namespace = 'shop'; node = 'node-ctrd'; runtime = 'containerd'; containers = @(@{ name = 'app'; image = 'shop:1'; docker = $docker }) })
    }
    $nodes = (Invoke-RestMethod "$($fake.Url)/api/v1/nodes" -Headers $auth).items
    Assert (($nodes | Where-Object { $_.metadata.name -eq 'node-crio' }).status.nodeInfo.containerRuntimeVersion -eq 'cri-o://1.31.0') 'node runtime cri-o'

    $expected = @{
        'node-crio' = @('bind.mounts', 'checkpoint/', 'config.dump', 'deleted.files', 'dump.log', 'rootfs-diff.tar', 'spec.dump', 'stats-dump')
        'node-ctrd' = @('checkpoint/', 'config.dump', 'container.log', 'rootfs-diff.tar', 'spec.dump', 'status', 'status.dump')
    }
    foreach ($pod in @(@{ Node = 'node-crio'; Name = 'web-0' }, @{ Node = 'node-ctrd'; Name = 'web-1' })) {
        $r = Invoke-Checkpoint "/api/v1/nodes/$($pod.Node)/proxy/checkpoint/shop/$($pod.Name)/app?timeout=60"
        Assert ($r.Code -eq 200 -and $r.Type -eq 'application/json' -and $r.Body -match '^\{"items":\["/var/lib/kubelet/checkpoints/checkpoint-' + $pod.Name + '_shop-app-\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\.tar"\]\}$') "200 $($r.Body)"
        $file = Get-FakeKubeNodeCheckpoint $fake -Node $pod.Node | Select-Object -First 1
        $members = & tar -tf $file.FullName | Where-Object { $_ -notlike 'checkpoint/?*' }
        Assert ((Compare-Object $expected[$pod.Node] $members).Count -eq 0) "$($pod.Node) members: $($members -join ' ')"
        Assert ((& tar -tf $file.FullName | Where-Object { $_ -like 'checkpoint/pstree.img' }).Count -eq 1) 'CRIU images under checkpoint/'
        if ($Checkpointctl) {
            & $Checkpointctl show $file.FullName | Out-Host; Assert ($LASTEXITCODE -eq 0) "checkpointctl show $($pod.Node)"
            & $Checkpointctl inspect $file.FullName | Out-Host; Assert ($LASTEXITCODE -eq 0) "checkpointctl inspect $($pod.Node)"
        }
    }
    Assert ((& docker inspect -f '{{.State.Running}}' $docker) -eq 'true') 'the stand-in still runs'

    $base = '/api/v1/nodes/node-crio/proxy/checkpoint/shop/web-0'
    $cases = @(
        @{ Mode = 'ok'; Path = '/api/v1/nodes/nowhere/proxy/checkpoint/shop/web-0/app'; Code = 404; Body = '^nodes "nowhere" not found$' }
        @{ Mode = 'ok'; Path = '/api/v1/nodes/node-ctrd/proxy/checkpoint/shop/web-0/app'; Code = 404; Body = '^pod does not exist$' }
        @{ Mode = 'ok'; Path = "$base/nope"; Code = 404; Body = '^container nope does not exist$' }
        @{ Mode = 'ok'; Path = "$base/app?timeout=soon"; Code = 404; Body = '^cannot parse value of timeout parameter$' }
        @{ Mode = 'ok'; Path = "$base/bare"; Code = 500; Body = 'no "docker" stand-in' }
        @{ Mode = 'checkpoint-gate-off'; Path = "$base/app"; Code = 404; Body = "^404 page not found`n$" }
        @{ Mode = 'checkpoint-forbidden-proxy'; Path = "$base/app"; Code = 403; Body = '^nodes "node-crio" is forbidden: User "system:serviceaccount:shop:analyst" cannot create resource "nodes/proxy" in API group "" at the cluster scope$' }
        @{ Mode = 'checkpoint-forbidden-kubelet'; Path = "$base/app"; Code = 403; Body = '^Forbidden \(user=kube-apiserver-kubelet-client, verb=create, resource=nodes, subresource=checkpoint\)$' }
        @{ Mode = 'checkpoint-unsupported'; Path = "$base/app"; Code = 500; Body = 'code = Unimplemented desc = method CheckpointContainer not implemented\)$' }
        @{ Mode = 'checkpoint-criu-fails'; Path = "$base/app"; Code = 500; Body = 'criu failed: type NOTIFY errno 0 path= /run/containers/storage/overlay-containers/[0-9a-f]{64}/userdata/dump.log\)$' }
    )
    foreach ($case in $cases) {
        Set-FakeKubeScenario $fake -Mode $case.Mode
        $r = Invoke-Checkpoint $case.Path
        if ($r.Type -eq 'application/json') { $r.Body = ($r.Body | ConvertFrom-Json).message }
        Assert ($r.Code -eq $case.Code -and $r.Body -cmatch $case.Body) "$($case.Mode) $($case.Path): $($r.Code) $($r.Body.Trim())"
    }
    Set-FakeKubeScenario $fake -CheckpointDelaySeconds 3
    $r = Invoke-Checkpoint "$base/app?timeout=1"
    Assert ($r.Code -eq 500 -and $r.Body -like '*code = DeadlineExceeded desc = context deadline exceeded)') "deadline: $($r.Body)"
    Set-FakeKubeScenario $fake
    Assert ((Get-FakeKubeHistory $fake | Where-Object { $_.event -eq 'checkpoint' -and $_.detail -eq 'app timeout=1' }).Count -eq 1) 'history records the timeout'

    # Exec on a helper pod that mounts the kubelet checkpoints hostPath.
    foreach ($helper in @(@{ Name = 'helper-ro'; ReadOnly = $true }, @{ Name = 'helper-rw'; ReadOnly = $false })) {
        $body = @{ metadata = @{ name = $helper.Name }; spec = @{ nodeName = 'node-crio'
                containers = @(@{ name = 'helper'; image = 'busybox'; command = @('sleep', '600'); volumeMounts = @(@{ name = 'cp'; mountPath = '/cp'; readOnly = $helper.ReadOnly }) })
                volumes = @(@{ name = 'cp'; hostPath = @{ path = '/var/lib/kubelet/checkpoints'; type = 'Directory' } }) } } | ConvertTo-Json -Depth 10
        Invoke-RestMethod -Method Post "$($fake.Url)/api/v1/namespaces/shop/pods" -Headers $auth -Body $body -ContentType 'application/json' | Out-Null
    }
    Start-Sleep -Milliseconds 800
    $file = Get-FakeKubeNodeCheckpoint $fake -Node 'node-crio' | Select-Object -First 1
    $ls = Invoke-Exec 'helper-ro' @('ls', '-1', '/cp')
    Assert ($ls.Text -eq "$($file.Name)`n") "ls -1: $($ls.Text.Trim())"
    $stat = Invoke-Exec 'helper-ro' @('stat', '-c', '%s %Y %n', "/cp/$($file.Name)", '/cp/gone.tar')
    Assert ($stat.Text -match "^$($file.Length) \d+ /cp/" -and $stat.Stderr -eq "stat: can't stat '/cp/gone.tar': No such file or directory`n") "stat: $($stat.Text.Trim()) / $($stat.Stderr.Trim())"
    $sum = Invoke-Exec 'helper-ro' @('sha256sum', "/cp/$($file.Name)")
    $hash = (Get-FileHash $file.FullName -Algorithm SHA256).Hash.ToLowerInvariant()
    Assert ($sum.Text -eq "$hash  /cp/$($file.Name)`n") 'sha256sum'
    $tar = Invoke-Exec 'helper-ro' @('tar', '-cf', '-', '-C', '/cp', $file.Name)
    Assert ($tar.Status.status -eq 'Success' -and $tar.Stdout.Length -gt $file.Length) "tar: $($tar.Stdout.Length) bytes"
    $rm = Invoke-Exec 'helper-ro' @('rm', '-f', "/cp/$($file.Name)")
    Assert ($rm.Stderr -eq "rm: can't remove '/cp/$($file.Name)': Read-only file system`n" -and (Test-Path -LiteralPath $file.FullName)) 'rm on a readOnly mount'
    $copy = Add-FakeKubeNodeCheckpoint $fake -Node 'node-crio' -Path $file.FullName -Name 'copy.tar'
    $rm = Invoke-Exec 'helper-rw' @('rm', '-f', '/cp/copy.tar', '/cp/never-was.tar')
    Assert ($rm.Status.status -eq 'Success' -and -not (Test-Path -LiteralPath $copy.FullName)) 'rm -f on a writable mount'
    Set-FakeKubeScenario $fake -Mode 'checkpoint-node-gone'
    $gone = Invoke-Exec 'helper-rw' @('tar', '-cf', '-', '-C', '/cp', $file.Name)
    Assert ($gone.Aborted -and $null -eq $gone.Status -and $gone.Stdout.Length -lt $tar.Stdout.Length) "node gone after $($gone.Stdout.Length) bytes"
    Assert ($null -eq ((Invoke-RestMethod "$($fake.Url)/api/v1/nodes" -Headers $auth).items | Where-Object { $_.metadata.name -eq 'node-crio' })) 'the node is gone'
    Set-FakeKubeScenario $fake
    Add-FakeKubeNodeCheckpoint $fake -Node 'node-ctrd' -Path $file.FullName -Name 'checkpoint-extra_shop-app-2026-01-01T00:00:00Z.tar' | Out-Null
    Assert ((Get-FakeKubeNodeCheckpoint $fake -Node 'node-ctrd').Count -eq 2) 'Add-FakeKubeNodeCheckpoint'

    # Without a cluster.
    $archive = New-FakeKubeCheckpointArchive -Container $docker -Layout crio -Pod p -Namespace n -K8sContainer c -OutFile (Join-Path $work 'offline.tar')
    Assert ((& tar -tf $archive.FullName) -contains 'deleted.files') 'New-FakeKubeCheckpointArchive'
    Write-Host 'all checks passed'
}
finally {
    Stop-FakeKubeApi $fake
    & docker rm -f $docker | Out-Null
    Remove-Item -Recurse -Force $work -ErrorAction SilentlyContinue
}
