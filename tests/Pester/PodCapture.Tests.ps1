# Start-PodCapture, Get-PodCapture and Remove-PodCapture against the fake API server in tests/FakeKubeApi,
# driven by the real KubernetesClient: REST, watch and exec over WebSocket.
BeforeAll {
    Import-Module $env:KF_MODULE_PATH -Force
    Import-Module (Join-Path $PSScriptRoot '../FakeKubeApi/FakeKubeApi.psm1') -Force
    $script:work = Join-Path ([IO.Path]::GetTempPath()) "kf-podcapture-$PID"
    New-Item -ItemType Directory -Force -Path $work | Out-Null
    $script:fake = Start-FakeKubeApi -WorkDirectory $work
    $script:source = New-FakeKubeCaptureSource -Path (Join-Path $work 'source.scap')
    $script:kc = @{ Kubeconfig = $fake.Kubeconfig }

    $batch = 1..5 | ForEach-Object { @{ name = "batch-$_"; namespace = 'batch'; node = "node-$(1 + $_ % 2)"; labels = @{ app = 'batch' }; containers = @(@{ name = 'worker'; image = 'busybox:1.36' }) } }
    Add-FakeKubeObjects $fake @{
        namespaces = @('shop', 'batch')
        nodes = @(
            @{ name = 'node-1'; taints = @(@{ key = 'dedicated'; value = 'web'; effect = 'NoSchedule' }, @{ key = 'forensics'; effect = 'NoExecute' }) }
            @{ name = 'node-2'; taints = @() })
        pods = @(
            @{ name = 'web-0'; namespace = 'shop'; node = 'node-1'; labels = @{ app = 'web' }; containers = @(@{ name = 'nginx'; image = 'nginx:1.25' }, @{ name = 'sidecar'; image = 'envoy:1.30' }) }
            @{ name = 'legacy-0'; namespace = 'shop'; node = 'node-2'; runtime = 'docker'; containers = @(@{ name = 'app'; image = 'legacy:1' }) }
            @{ name = 'crio-0'; namespace = 'shop'; node = 'node-2'; runtime = 'cri-o'; containers = @(@{ name = 'app'; image = 'app:2' }) }
            @{ name = 'pending-0'; namespace = 'shop'; containers = @(@{ name = 'app'; image = 'app:2' }) }
        ) + $batch
    }

    function script:Get-Pod([string] $Namespace, [string] $Name) {
        Invoke-RestMethod -Uri "$($fake.Url)/api/v1/namespaces/$Namespace/pods/$Name" -Headers @{ Authorization = 'Bearer kf-test-token' }
    }
    function script:Get-CaptureEvents([string] $Kind) {
        @(Get-FakeKubeHistory $fake | Where-Object { $_.event -eq $Kind -and $_.name -like 'kf-capture-*' })
    }
    function script:New-OutputDirectory {
        $d = Join-Path $work ([guid]::NewGuid().ToString('n')); New-Item -ItemType Directory -Path $d | Out-Null; $d
    }
    function script:Expand-GzipHash([string] $Path) {
        $in = [IO.File]::OpenRead($Path)
        try {
            $gz = [IO.Compression.GZipStream]::new($in, [IO.Compression.CompressionMode]::Decompress)
            $sha = [Security.Cryptography.SHA256]::Create()
            [Convert]::ToHexString($sha.ComputeHash($gz)).ToLowerInvariant()
        } finally { $in.Dispose() }
    }
}

AfterAll {
    if ($script:fake) { Stop-FakeKubeApi $fake }
    if ($script:work -and (Test-Path $work)) { Remove-Item -Recurse -Force $work -ErrorAction SilentlyContinue }
}

Describe 'Start-PodCapture: the happy path' {
    BeforeAll {
        Set-FakeKubeScenario $fake -CaptureSource $source.FullName -MaxCaptureSeconds 1
        $script:out = New-OutputDirectory
        $script:before = (Get-CaptureEvents created).Count
        $script:capture = Start-PodCapture -Pod web-0 -Namespace shop -Duration 2 -OutputDirectory $out @kc
        $script:pod = Get-Pod shop web-0
    }

    It 'emits one PodCapture describing the pod, its node and its containers' {
        @($capture).Count | Should -Be 1
        $capture.GetType().FullName | Should -Be 'KForensics.Core.Kubernetes.PodCapture'
        $capture.Pod | Should -Be 'web-0'
        $capture.Namespace | Should -Be 'shop'
        $capture.Node | Should -Be 'node-1'
        $capture.PodUid | Should -Be $pod.metadata.uid
        $capture.ContainerIds | Should -Be @($pod.status.containerStatuses.containerID -replace '^containerd://')
        $capture.Context | Should -Be 'fake'
        $capture.EndTimeUtc | Should -BeGreaterOrEqual $capture.StartTimeUtc
    }

    It 'writes capture-POD-UTCTIME.scap.gz whose bytes are the capture sysdig wrote' {
        $name = Split-Path -Leaf $capture.Path
        $name | Should -Match '^capture-web-0-\d{8}T\d{6}Z\.scap\.gz$'
        $name | Should -Be ('capture-web-0-{0:yyyyMMdd\THHmmss\Z}.scap.gz' -f $capture.StartTimeUtc)
        (Get-Item $capture.Path).Length | Should -Be $capture.Bytes
        (Get-FileHash $capture.Path -Algorithm SHA256).Hash.ToLowerInvariant() | Should -Be $capture.Sha256
        Expand-GzipHash $capture.Path | Should -Be (Get-FileHash $source.FullName -Algorithm SHA256).Hash.ToLowerInvariant()
        @(Get-ChildItem $out -Filter '*.partial').Count | Should -Be 0
    }

    It 'writes a custody manifest beside it with provenance and both hashes' {
        $capture.ManifestPath | Should -Be (Join-Path $out (Split-Path -Leaf $capture.Path).Replace('.scap.gz', '.manifest.json'))
        $m = Get-Content -Raw $capture.ManifestPath | ConvertFrom-Json
        $m.kind | Should -Be 'PodCapture'
        $m.file.name | Should -Be (Split-Path -Leaf $capture.Path)
        $m.file.sha256 | Should -Be $capture.Sha256
        $m.file.sha256AtSource | Should -Be $capture.Sha256
        $m.file.bytes | Should -Be $capture.Bytes
        $m.source.context | Should -Be 'fake'
        $m.source.apiServer | Should -Be $fake.Url
        $m.source.podUid | Should -Be $pod.metadata.uid
        $m.source.node | Should -Be 'node-1'
        @($m.source.containers.id) | Should -Be $capture.ContainerIds
        @($m.source.containers.image) | Should -Be @('nginx:1.25', 'envoy:1.30')
        $m.source.sysdigImage | Should -Be 'sysdig/sysdig:0.40.1'
        ($m.source.sysdigCommand -join ' ') | Should -BeLike 'sysdig --modern-bpf --cri /host/run/containerd/containerd.sock -w /capture/capture.scap.gz -z -M 2 -s 80 container.id in (*'
        ([datetime]$m.startTimeUtc).ToUniversalTime() | Should -Be $capture.StartTimeUtc
    }

    It 'hashed the file in the pod and copied it out over exec, then deleted the capture pod' {
        $execs = @(Get-CaptureEvents exec | Where-Object name -eq $capture.CapturePod)
        $execs.detail | Should -Contain 'keeper: sha256sum /capture/capture.scap.gz'
        $execs.detail | Should -Contain 'keeper: tar -cf - -C /capture capture.scap.gz'
        (Get-CaptureEvents created).Count | Should -Be ($before + 1)
        (Get-CaptureEvents deleted).name | Should -Contain $capture.CapturePod
        Get-FakeKubePods $fake | Should -Not -Contain "shop/$($capture.CapturePod)"
        @(Get-PodCapture @kc).Count | Should -Be 0
    }

    It 'pipes its Path into Get-Item by property name' {
        ($capture | Get-Item).FullName | Should -Be $capture.Path
    }

    It 'pipes its Path into Get-ScapEvent' -Skip:(-not (Get-Command Get-ScapEvent -Module KForensics -ErrorAction SilentlyContinue)) {
        $events = @($capture | Get-ScapEvent)
        $events.Count | Should -BeGreaterThan 0
        ($events | Where-Object FdName -eq '/etc/passwd' | Select-Object -First 1) | Should -Not -BeNullOrEmpty
    }

    It 'narrates each step with -Verbose and reports the seconds left' {
        $verbose = Start-PodCapture web-0 -Namespace shop -Duration 2 -OutputDirectory (New-OutputDirectory) @kc -Verbose 4>&1 |
            Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message
        ($verbose -join "`n") | Should -Match 'Creating capture pod kf-capture-web-0-'
        ($verbose -join "`n") | Should -Match 'sysdig is capturing on node node-1'
        ($verbose -join "`n") | Should -Match 'Hashes: in the pod [0-9a-f]{64}'
        ($verbose -join "`n") | Should -Match 'Deleted capture pod'
    }
}

Describe 'Start-PodCapture: failures are errors with stable ids, and the capture pod never stays' {
    BeforeEach {
        $script:out = New-OutputDirectory
    }

    It 'sysdig fails: CaptureFailed with the container log tail; pod deleted, nothing written' {
        Set-FakeKubeScenario $fake -Mode 'sysdig-fails' -CaptureSource $source.FullName
        $r = Start-PodCapture web-0 -Namespace shop -Duration 2 -OutputDirectory $out @kc -ErrorVariable ev -ErrorAction SilentlyContinue
        $r | Should -BeNullOrEmpty
        $ev.Count | Should -Be 1
        $ev[0].FullyQualifiedErrorId | Should -BeLike 'CaptureFailed,*'
        $ev[0].CategoryInfo.Category | Should -Be 'InvalidResult'
        $ev[0].ErrorDetails.Message | Should -Match 'exit code 1'
        $ev[0].ErrorDetails.Message | Should -Match 'Unable to load the driver'
        @(Get-ChildItem $out).Count | Should -Be 0
        @(Get-PodCapture @kc).Count | Should -Be 0
    }

    It 'empty capture: CaptureEmpty; pod deleted, nothing written' {
        Set-FakeKubeScenario $fake -Mode 'empty' -CaptureSource $source.FullName
        Start-PodCapture web-0 -Namespace shop -Duration 2 -OutputDirectory $out @kc -ErrorVariable ev -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $ev[0].FullyQualifiedErrorId | Should -BeLike 'CaptureEmpty,*'
        @(Get-ChildItem $out).Count | Should -Be 0
        @(Get-PodCapture @kc).Count | Should -Be 0
    }

    It 'sysdig never ends: CaptureTimeout (OperationTimeout) after duration + timeout; pod deleted' {
        Set-FakeKubeScenario $fake -Mode 'hang' -CaptureSource $source.FullName
        $created = (Get-CaptureEvents created).Count
        $elapsed = Measure-Command {
            Start-PodCapture web-0 -Namespace shop -Duration 1 -Timeout 2 -OutputDirectory $out @kc -ErrorVariable script:ev -ErrorAction SilentlyContinue
        }
        $ev[0].FullyQualifiedErrorId | Should -BeLike 'CaptureTimeout,*'
        $ev[0].CategoryInfo.Category | Should -Be 'OperationTimeout'
        $ev[0].ErrorDetails.Message | Should -Match 'sysdig: capturing with'
        $elapsed.TotalSeconds | Should -BeGreaterOrEqual 3
        $elapsed.TotalSeconds | Should -BeLessThan 30
        (Get-CaptureEvents created).Count | Should -Be ($created + 1)
        @(Get-PodCapture @kc).Count | Should -Be 0
    }

    It 'the hash in the pod differs from the file received: CaptureHashMismatch; the copy is discarded' {
        Set-FakeKubeScenario $fake -Mode 'hash-mismatch' -CaptureSource $source.FullName
        Start-PodCapture web-0 -Namespace shop -Duration 2 -OutputDirectory $out @kc -ErrorVariable ev -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $ev[0].FullyQualifiedErrorId | Should -BeLike 'CaptureHashMismatch,*'
        $ev[0].CategoryInfo.Category | Should -Be 'InvalidData'
        $ev[0].Exception.Message | Should -Match 'SHA-256 in the pod [0-9a-f]{64}, received [0-9a-f]{64}'
        @(Get-ChildItem $out).Count | Should -Be 0
        @(Get-PodCapture @kc).Count | Should -Be 0
    }

    It 'pod not found: PodNotFound (ObjectNotFound), and no capture pod is created' {
        Set-FakeKubeScenario $fake -CaptureSource $source.FullName
        $created = (Get-CaptureEvents created).Count
        Start-PodCapture no-such-pod -Namespace shop -OutputDirectory $out @kc -ErrorVariable ev -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $ev[0].FullyQualifiedErrorId | Should -BeLike 'PodNotFound,*'
        $ev[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $ev[0].TargetObject | Should -Be 'no-such-pod'
        (Get-CaptureEvents created).Count | Should -Be $created
    }

    It 'creating the capture pod is forbidden: KubeForbidden (PermissionDenied) with the API server''s reason' {
        Set-FakeKubeScenario $fake -Mode 'forbidden-create' -CaptureSource $source.FullName
        Start-PodCapture web-0 -Namespace shop -OutputDirectory $out @kc -ErrorVariable ev -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $ev[0].FullyQualifiedErrorId | Should -BeLike 'KubeForbidden,*'
        $ev[0].CategoryInfo.Category | Should -Be 'PermissionDenied'
        $ev[0].Exception.Message | Should -Match 'cannot create resource \\"pods\\"|cannot create resource "pods"'
    }

    It 'a wrong token: KubeUnauthorized (PermissionDenied)' {
        Set-FakeKubeScenario $fake -CaptureSource $source.FullName
        Start-PodCapture web-0 -Namespace shop -Kubeconfig $fake.Kubeconfig -Context fake-badtoken -ErrorVariable ev -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $ev[0].FullyQualifiedErrorId | Should -BeLike 'KubeUnauthorized,*'
        $ev[0].CategoryInfo.Category | Should -Be 'PermissionDenied'
    }

    It 'no API server listening: KubeConnectionFailed (ConnectionError)' {
        $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0); $listener.Start()
        $port = $listener.LocalEndpoint.Port; $listener.Stop()
        $dead = Join-Path $out 'dead-kubeconfig'
        (Get-Content -Raw $fake.Kubeconfig) -replace [regex]::Escape($fake.Url), "http://127.0.0.1:$port" | Set-Content $dead
        Start-PodCapture web-0 -Namespace shop -Kubeconfig $dead -ErrorVariable ev -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $ev[0].FullyQualifiedErrorId | Should -BeLike 'KubeConnectionFailed,*'
        $ev[0].CategoryInfo.Category | Should -Be 'ConnectionError'
    }

    It 'a kubeconfig that does not exist stops the cmdlet: KubeConfigInvalid' {
        { Start-PodCapture web-0 -Kubeconfig (Join-Path $out 'missing') -ErrorAction Stop } | Should -Throw -ErrorId 'KubeConfigInvalid,*'
    }

    It 'a selector that matches nothing: NoPodMatchesSelector; an unscheduled pod: PodNotScheduled' {
        Set-FakeKubeScenario $fake -CaptureSource $source.FullName
        Start-PodCapture -Selector 'app=nothing' -Namespace shop @kc -ErrorVariable ev -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $ev[0].FullyQualifiedErrorId | Should -BeLike 'NoPodMatchesSelector,*'
        Start-PodCapture pending-0 -Namespace shop @kc -ErrorVariable ev2 -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $ev2[0].FullyQualifiedErrorId | Should -BeLike 'PodNotScheduled,*'
    }

    It 'one failed pod does not stop the others' {
        Set-FakeKubeScenario $fake -CaptureSource $source.FullName
        $r = @(Start-PodCapture web-0, no-such-pod, legacy-0 -Namespace shop -Duration 1 -OutputDirectory $out @kc -ErrorVariable ev -ErrorAction SilentlyContinue)
        @($r.Pod | Sort-Object) | Should -Be @('legacy-0', 'web-0')
        $ev.Count | Should -Be 1
        $ev[0].TargetObject | Should -Be 'no-such-pod'
    }
}

Describe 'Start-PodCapture: Ctrl+C during the capture' {
    It 'stops, and the capture pod is deleted before the cmdlet returns' {
        Set-FakeKubeScenario $fake -Mode 'hang' -CaptureSource $source.FullName
        $out = New-OutputDirectory
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript("Import-Module '$env:KF_MODULE_PATH'; Start-PodCapture web-0 -Namespace shop -Duration 600 -OutputDirectory '$out' -Kubeconfig '$($fake.Kubeconfig)'")
            $handle = $ps.BeginInvoke()
            $deadline = [DateTime]::UtcNow.AddSeconds(60)
            do {
                Start-Sleep -Milliseconds 200
                $running = @(Get-PodCapture -Namespace shop @kc | Where-Object Phase -eq 'Running')
            } until ($running -or [DateTime]::UtcNow -gt $deadline)
            $running.Count | Should -Be 1
            # Wait for the countdown to show, so the stop lands in the middle of the capture.
            $deadline = [DateTime]::UtcNow.AddSeconds(30)
            while (-not ($ps.Streams.Progress | Where-Object { $_.SecondsRemaining -gt 0 -and $_.StatusDescription -match 's left' }) -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 200 }
            $progress = @($ps.Streams.Progress | Where-Object StatusDescription -match '^Capturing: \d+ s left$')
            $progress.Count | Should -BeGreaterThan 0
            $progress[0].SecondsRemaining | Should -BeGreaterThan 590

            $ps.Stop()
            $stopped = $null
            try { $ps.EndInvoke($handle) } catch { $stopped = $_.Exception.InnerException }
            $stopped | Should -BeOfType ([System.Management.Automation.PipelineStoppedException])
            (Get-CaptureEvents deleted).name | Should -Contain $running[0].Name
            @(Get-PodCapture @kc).Count | Should -Be 0
            @(Get-ChildItem $out -ErrorAction SilentlyContinue).Count | Should -Be 0
            @($ps.Streams.Error).Count | Should -Be 0
        } finally { $ps.Dispose() }
    }
}

Describe 'Start-PodCapture: many pods' {
    It 'captures five pods in parallel (-Selector, -ThrottleLimit 5), each verified and cleaned up' {
        Set-FakeKubeScenario $fake -CaptureSource $source.FullName -MaxCaptureSeconds 3
        $out = New-OutputDirectory
        $since = (Get-FakeKubeHistory $fake).Count
        $elapsed = Measure-Command { $script:r = @(Start-PodCapture -Selector 'app=batch' -Namespace batch -Duration 3 -ThrottleLimit 5 -OutputDirectory $out @kc) }
        $r.Count | Should -Be 5
        @($r.Pod | Sort-Object) | Should -Be @('batch-1', 'batch-2', 'batch-3', 'batch-4', 'batch-5')
        @($r.Path | Select-Object -Unique).Count | Should -Be 5
        foreach ($c in $r) { (Get-FileHash $c.Path -Algorithm SHA256).Hash.ToLowerInvariant() | Should -Be $c.Sha256 }
        @($r | Group-Object Node).Count | Should -Be 2

        # All five capture pods existed at once: every creation precedes the first deletion.
        $history = @(Get-FakeKubeHistory $fake | Select-Object -Skip $since | Where-Object name -like 'kf-capture-batch-*')
        $firstDelete = [array]::FindIndex([object[]]$history, [Predicate[object]] { param($h) $h.event -eq 'deleted' })
        @($history | Select-Object -First $firstDelete | Where-Object event -eq 'created').Count | Should -Be 5
        @($history | Where-Object event -eq 'deleted').Count | Should -Be 5
        $elapsed.TotalSeconds | Should -BeLessThan 15
        @(Get-PodCapture @kc).Count | Should -Be 0
    }

    It 'binds Name and Namespace by property name from the pipeline' {
        $yaml = @([pscustomobject]@{ Name = 'web-0'; Namespace = 'shop' }, [pscustomobject]@{ Pod = 'legacy-0'; Namespace = 'shop' }) | Start-PodCapture -DryRun @kc
        $yaml.Count | Should -Be 2
        $yaml[0] | Should -Match 'kforensics.io/target-pod: web-0'
        $yaml[1] | Should -Match 'kforensics.io/target-pod: legacy-0'
    }

    It 'uses the context''s namespace by default' {
        $yaml = Start-PodCapture web-0 -DryRun -Kubeconfig $fake.Kubeconfig -Context fake-shop
        $yaml | Should -Match 'namespace: shop'
    }
}

Describe 'Start-PodCapture -DryRun' {
    BeforeAll {
        Set-FakeKubeScenario $fake -CaptureSource $source.FullName
        $script:createdBefore = (Get-CaptureEvents created).Count
        $script:pod = Get-Pod shop web-0
        $script:ids = @($pod.status.containerStatuses.containerID | ForEach-Object { ($_ -replace '^containerd://').Substring(0, 12) })
        $script:yaml = Start-PodCapture web-0 -Namespace shop -DryRun -Filter 'evt.type=openat' -CpuLimit 2 -MemoryLimit 2Gi -CpuRequest 500m -MemoryRequest 512Mi -SnapLength 256 -Duration 45 -Timeout 60 @kc
    }

    It 'emits one YAML Pod manifest and creates nothing' {
        @($yaml).Count | Should -Be 1
        $yaml | Should -BeOfType [string]
        $yaml | Should -Match '(?m)^apiVersion: v1$'
        $yaml | Should -Match '(?m)^kind: Pod$'
        (Get-CaptureEvents created).Count | Should -Be $createdBefore
    }

    It 'is privileged, pinned to the node, in the host PID and network namespaces, tolerating the node''s taints' {
        $yaml | Should -Match '(?m)^\s+privileged: true$'
        $yaml | Should -Match '(?m)^  nodeName: node-1$'
        $yaml | Should -Match '(?m)^  hostPID: true$'
        $yaml | Should -Match '(?m)^  hostNetwork: true$'
        $yaml | Should -Match '(?m)^  restartPolicy: Never$'
        $yaml | Should -Match '(?m)^  activeDeadlineSeconds: 405$'
        $yaml | Should -Match '(?ms)tolerations:\s+- effect: NoSchedule\s+key: dedicated\s+operator: Exists\s+- effect: NoExecute\s+key: forensics\s+operator: Exists'
    }

    It 'mounts what sysdig needs, the containerd socket and an emptyDir for the output' {
        foreach ($m in '/host/proc', '/host/dev', '/host/boot', '/host/lib/modules', '/host/usr', '/host/etc', '/sys/kernel/debug', '/host/run/containerd/containerd.sock', '/capture') {
            $yaml | Should -Match "(?m)^\s+- mountPath: $([regex]::Escape($m))$"
        }
        $yaml | Should -Match '(?ms)- hostPath:\s+path: /run/containerd/containerd.sock\s+type: Socket'
        $yaml | Should -Match '(?m)^  - emptyDir: \{\}$'
    }

    It 'carries the KForensics labels and the resources asked for' {
        $yaml | Should -Match '(?m)^\s+app.kubernetes.io/managed-by: kforensics$'
        $yaml | Should -Match '(?m)^\s+app.kubernetes.io/component: pod-capture$'
        $yaml | Should -Match "(?m)^\s+kforensics.io/target-uid: $($pod.metadata.uid)$"
        $yaml | Should -Match '(?ms)limits:\s+cpu: "?2"?\s+memory: 2Gi\s+requests:\s+cpu: 500m\s+memory: 512Mi'
    }

    It 'runs a pinned sysdig with -w, -z, -M, -s and the filter scoped to the pod''s container ids' {
        $yaml | Should -Match '(?m)^\s+image: sysdig/sysdig:0\.40\.1$'
        $yaml | Should -Match '(?ms)command:\s+- sysdig\s'
        $yaml | Should -Match '(?ms)- --modern-bpf\s+- --cri\s+- /host/run/containerd/containerd.sock\s+- -w\s+- /capture/capture.scap.gz\s+- -z\s+- -M\s+- "45"\s+- -s\s+- "256"'
        $ids.Count | Should -Be 2
        $yaml | Should -Match ([regex]::Escape("- (container.id in ($($ids -join ','))) and (evt.type=openat)"))
    }

    It 'mounts the Docker socket for a Docker node and names the CRI-O socket for a CRI-O node' {
        $docker = Start-PodCapture legacy-0 -Namespace shop -DryRun @kc
        $docker | Should -Match '(?m)^\s+- mountPath: /host/var/run/docker.sock$'
        $docker | Should -Not -Match '--cri'
        $crio = Start-PodCapture crio-0 -Namespace shop -DryRun @kc
        $crio | Should -Match '(?ms)- --cri\s+- /host/var/run/crio/crio.sock'
        $crio | Should -Match '(?ms)path: /var/run/crio/crio.sock\s+type: Socket'
    }

    It '-NodeWide drops the container scope; -Driver KernelModule keeps the image''s entrypoint' {
        $wide = Start-PodCapture web-0 -Namespace shop -DryRun -NodeWide -Filter 'proc.name=nginx' @kc
        $wide | Should -Not -Match 'container\.id'
        $wide | Should -Match '(?m)^\s+- proc.name=nginx$'
        $kmod = Start-PodCapture web-0 -Namespace shop -DryRun -Driver KernelModule @kc
        $kmod | Should -Match '(?ms)args:\s+- sysdig\s+- --cri'
        $kmod | Should -Not -Match 'modern-bpf'
        $ebpf = Start-PodCapture web-0 -Namespace shop -DryRun -Driver Ebpf @kc
        $ebpf | Should -Match '(?ms)- sysdig\s+- --bpf'
        $ebpf | Should -Match 'SYSDIG_BPF_PROBE'
    }
}

Describe 'Get-PodCapture and Remove-PodCapture' {
    BeforeAll {
        Set-FakeKubeScenario $fake -CaptureSource $source.FullName
        $script:kept = Start-PodCapture web-0 -Namespace shop -Duration 1 -OutputDirectory (New-OutputDirectory) -KeepCapturePod @kc
    }

    It 'lists a capture pod kept with -KeepCapturePod, in all namespaces' {
        $kept.CapturePodKept | Should -BeTrue
        Test-Path $kept.Path | Should -BeTrue
        $found = @(Get-PodCapture @kc)
        $found.Count | Should -Be 1
        $found[0].GetType().FullName | Should -Be 'KForensics.Core.Kubernetes.CapturePodInfo'
        $found[0].Name | Should -Be $kept.CapturePod
        $found[0].Namespace | Should -Be 'shop'
        $found[0].TargetPod | Should -Be 'web-0'
        $found[0].Node | Should -Be 'node-1'
        @(Get-PodCapture -Namespace batch @kc).Count | Should -Be 0
        @(Get-PodCapture -Name 'kf-capture-web-*' @kc).Count | Should -Be 1
        @(Get-PodCapture -Name 'nothing*' @kc).Count | Should -Be 0
    }

    It 'refuses to delete a pod that is not a capture pod' {
        Remove-PodCapture web-0 -Namespace shop @kc -Confirm:$false -ErrorVariable ev -ErrorAction SilentlyContinue
        $ev[0].FullyQualifiedErrorId | Should -BeLike 'NotACapturePod,*'
        Get-FakeKubePods $fake | Should -Contain 'shop/web-0'
    }

    It 'honours -WhatIf, then removes what Get-PodCapture pipes in' {
        Get-PodCapture @kc | Remove-PodCapture @kc -WhatIf
        @(Get-PodCapture @kc).Count | Should -Be 1
        Get-PodCapture @kc | Remove-PodCapture @kc -Confirm:$false
        @(Get-PodCapture @kc).Count | Should -Be 0
        (Get-CaptureEvents deleted).name | Should -Contain $kept.CapturePod
    }

    It 'reports a capture pod that is gone as PodNotFound' {
        $kept | Remove-PodCapture @kc -Confirm:$false -ErrorVariable ev -ErrorAction SilentlyContinue
        $ev[0].FullyQualifiedErrorId | Should -BeLike 'PodNotFound,*'
        $ev[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
    }
}

Describe 'Dependency isolation with Kubernetes' {
    It 'Start-PodCapture -DryRun (YamlDotNet 18) works after another YamlDotNet (13.1.1) was loaded first' {
        $nugetRoot = ((& dotnet nuget locals global-packages --list) -replace '^global-packages:\s*', '').Trim()
        $foreign = Join-Path $nugetRoot 'yamldotnet/13.1.1/lib/net6.0/YamlDotNet.dll'
        Test-Path $foreign | Should -BeTrue
        Set-FakeKubeScenario $fake -CaptureSource $source.FullName
        $script = @"
`$ErrorActionPreference = 'Stop'
Add-Type -Path '$foreign'
Import-Module '$env:KF_MODULE_PATH'
`$yaml = Start-PodCapture web-0 -Namespace shop -DryRun -Kubeconfig '$($fake.Kubeconfig)'
if (`$yaml -notmatch 'kind: Pod') { throw 'no manifest' }
`$default = [System.Runtime.Loader.AssemblyLoadContext]::Default.Assemblies | Where-Object { `$_.GetName().Name -eq 'YamlDotNet' }
`$private = [System.Runtime.Loader.AssemblyLoadContext]::All | Where-Object Name -eq 'KForensics.Dependencies' | ForEach-Object { `$_.Assemblies } | Where-Object { `$_.GetName().Name -eq 'YamlDotNet' }
"default=`$(`$default.GetName().Version) private=`$(`$private.GetName().Version)"
"@
        $result = & (Join-Path $PSHOME 'pwsh') -NoProfile -NonInteractive -Command $script
        $LASTEXITCODE | Should -Be 0
        $result | Select-Object -Last 1 | Should -Be 'default=13.0.0.0 private=18.0.0.0'
    }
}
