# Start-PodCapture against the fake API server in tests/FakeKubeApi, driven by the real KubernetesClient:
# REST, watch and exec over WebSocket. The fixture and helpers are in PodCapture.Setup.ps1.
BeforeAll {
    . (Join-Path $PSScriptRoot 'PodCapture.Setup.ps1')
}

AfterAll {
    Stop-PodCaptureFixture
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
        @(Get-CaptureEvents websocket | Where-Object name -eq $capture.CapturePod).detail | Should -Be @('v4.channel.k8s.io', 'v4.channel.k8s.io')
        (Get-CaptureEvents created).Count | Should -Be ($before + 1)
        (Get-CaptureEvents deleted).name | Should -Contain $capture.CapturePod
        Get-FakeKubePods $fake | Should -Not -Contain "shop/$($capture.CapturePod)"
        @(Get-PodCapture @kc).Count | Should -Be 0
    }

    It 'pipes its Path into Get-Item by property name' {
        ($capture | Get-Item).FullName | Should -Be $capture.Path
    }

    It 'pipes its Path into Get-ScapEvent' {
        if (-not (Get-Command Get-ScapEvent -Module KForensics -ErrorAction SilentlyContinue)) {
            Set-ItResult -Skipped -Because 'this build of the module has no Get-ScapEvent'
            return
        }
        $events = @($capture | Get-ScapEvent)
        $events.Count | Should -BeGreaterThan 0
        ($events | Where-Object FdName -eq '/etc/passwd' | Select-Object -First 1) | Should -Not -BeNullOrEmpty
    }

    It 'lets KubernetesClient''s requests reach -Debug, one line each with method, address, status and time' {
        # What -Debug shows (in this non-interactive host -Debug would ask whether to go on).
        $DebugPreference = 'Continue'
        $out = @(Start-PodCapture web-0 -Namespace shop -DryRun @kc 5>&1)
        @($out | Where-Object { $_ -is [string] }).Count | Should -Be 1 -Because 'the dry run still writes the pod'
        $lines = @($out | Where-Object { $_ -is [System.Management.Automation.DebugRecord] } | ForEach-Object Message)
        @($lines | Where-Object { $_ -match "^\[KubernetesClient\] GET $([regex]::Escape($fake.Url))/api/v1/? 200 \(\d+ ms\)$" }).Count | Should -Be 1 -Because ($lines -join "`n")
        @($lines | Where-Object { $_ -match "^\[KubernetesClient\] GET $([regex]::Escape($fake.Url))/api/v1/namespaces/shop/pods/web-0 200 \(\d+ ms\)$" }).Count | Should -Be 1 -Because ($lines -join "`n")
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

    It '<why>: <id> (<category>); the copy is discarded and the pod deleted' -ForEach @(
        @{ why = 'the hash in the pod differs from the file received'; mode = 'hash-mismatch'; id = 'CaptureHashMismatch'; category = 'InvalidData'
           text = @('SHA-256 in the pod [0-9a-f]{64}, received [0-9a-f]{64}') }
        @{ why = 'the node''s disk fails while the capture is copied out'; mode = 'read-error'; id = 'CaptureCopyFailed'; category = 'ReadError'
           text = @('tar exit code 2', 'Input/output error') }
    ) {
        Set-FakeKubeScenario $fake -Mode $mode -CaptureSource $source.FullName
        Start-PodCapture web-0 -Namespace shop -Duration 2 -OutputDirectory $out @kc -ErrorVariable ev -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $ev.Count | Should -Be 1
        $ev[0].FullyQualifiedErrorId | Should -BeLike "$id,*"
        $ev[0].CategoryInfo.Category | Should -Be $category
        foreach ($t in $text) { $ev[0].Exception.Message | Should -Match $t }
        @(Get-ChildItem $out).Count | Should -Be 0
        @(Get-PodCapture @kc).Count | Should -Be 0
    }

    It 'a gzip file that is not a capture: CaptureInvalid; the copy is discarded' {
        Set-FakeKubeScenario $fake -Mode 'not-scap' -CaptureSource $source.FullName
        Start-PodCapture web-0 -Namespace shop -Duration 1 -OutputDirectory $out @kc -ErrorVariable ev -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $ev[0].FullyQualifiedErrorId | Should -BeLike 'CaptureInvalid,*'
        $ev[0].CategoryInfo.Category | Should -Be 'InvalidData'
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

    It 'a filter that does not compile stops the cmdlet with FilterInvalid before any capture pod is created' {
        Set-FakeKubeScenario $fake -CaptureSource $source.FullName
        $created = (Get-CaptureEvents created).Count
        { Start-PodCapture web-0 -Namespace shop -OutputDirectory $out -Filter 'proc.nosuchfield=1' @kc -ErrorAction Stop } |
            Should -Throw -ErrorId 'FilterInvalid*'
        (Get-CaptureEvents created).Count | Should -Be $created
        @(Get-ChildItem $out).Count | Should -Be 0
    }

    It 'creating the capture pod is forbidden: KubeForbidden (PermissionDenied) with the API server''s reason' {
        Set-FakeKubeScenario $fake -Mode 'forbidden-create' -CaptureSource $source.FullName
        Start-PodCapture web-0 -Namespace shop -OutputDirectory $out @kc -ErrorVariable ev -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $ev[0].FullyQualifiedErrorId | Should -BeLike 'KubeForbidden,*'
        $ev[0].CategoryInfo.Category | Should -Be 'PermissionDenied'
        $ev[0].Exception.Message | Should -Match 'cannot create resource \\"pods\\"|cannot create resource "pods"'
    }

    It 'a wrong token stops the cmdlet before any pod is resolved: KubeUnauthorized (PermissionDenied)' {
        Set-FakeKubeScenario $fake -CaptureSource $source.FullName
        $before = @(Get-FakeKubeHistory $fake).Count
        $err = $null
        try { Start-PodCapture web-0, legacy-0 -Namespace shop -Kubeconfig $fake.Kubeconfig -Context fake-badtoken -ErrorAction SilentlyContinue } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeLike 'KubeUnauthorized,*'
        $err.CategoryInfo.Category | Should -Be 'PermissionDenied'
        @(Get-FakeKubeHistory $fake).Count | Should -Be $before -Because 'no pod was read or created'
    }

    It 'no API server listening stops the cmdlet once, before any -WhatIf line: KubeConnectionFailed (ConnectionError)' {
        $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0); $listener.Start()
        $port = $listener.LocalEndpoint.Port; $listener.Stop()
        $dead = Join-Path $out 'dead-kubeconfig'
        (Get-Content -Raw $fake.Kubeconfig) -replace [regex]::Escape($fake.Url), "http://127.0.0.1:$port" | Set-Content $dead
        $err = $null
        try { Start-PodCapture web-0, legacy-0 -Namespace shop -Kubeconfig $dead -ErrorAction SilentlyContinue } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeLike 'KubeConnectionFailed,*'
        $err.CategoryInfo.Category | Should -Be 'ConnectionError'
        $err.Exception.Message | Should -Match "127\.0\.0\.1:$port"
        # -WhatIf text goes to the host: a child process shows what a user would see.
        $script = "Import-Module '$env:KF_MODULE_PATH'; foreach (`$c in 'Start-PodCapture', 'New-PodCheckpoint') { try { & `$c web-0 -Namespace shop -Kubeconfig '$dead' -WhatIf } catch { 'ERROR ' + `$_.FullyQualifiedErrorId } }; try { Remove-PodCheckpoint -Node node-1 -Checkpoint x.tar -Kubeconfig '$dead' -WhatIf } catch { 'ERROR ' + `$_.FullyQualifiedErrorId }; try { Remove-PodCapture kf-capture-x -Kubeconfig '$dead' -WhatIf } catch { 'ERROR ' + `$_.FullyQualifiedErrorId }"
        $shown = @(& (Join-Path $PSHOME 'pwsh') -NoProfile -NonInteractive -Command $script 2>&1 | ForEach-Object { "$_" })
        ($shown -join "`n") | Should -Not -Match 'What if' -Because ($shown -join "`n")
        @($shown | Where-Object { $_ -like 'ERROR KubeConnectionFailed,*' }).Count | Should -Be 4 -Because ($shown -join "`n")
    }

    It 'an API server error without a more specific cause: KubeApiError with the server''s message, and no capture pod' {
        Set-FakeKubeScenario $fake -Mode 'etcd-timeout' -CaptureSource $source.FullName
        $created = (Get-CaptureEvents created).Count
        Start-PodCapture web-0 -Namespace shop -OutputDirectory $out @kc -ErrorVariable ev -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $ev.Count | Should -Be 1
        $ev[0].FullyQualifiedErrorId | Should -BeLike 'KubeApiError,*'
        $ev[0].Exception.Message | Should -Match 'answered 500 \(Internal error occurred: etcdserver: request timed out\)'
        $ev[0].TargetObject | Should -Be 'web-0'
        (Get-CaptureEvents created).Count | Should -Be $created
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

    It 'the capture pod cannot be deleted: the capture is still emitted, with a CapturePodNotRemoved error' {
        Set-FakeKubeScenario $fake -Mode 'forbidden-delete' -CaptureSource $source.FullName
        $r = Start-PodCapture web-0 -Namespace shop -Duration 1 -OutputDirectory $out @kc -ErrorVariable ev -ErrorAction SilentlyContinue
        $r.Pod | Should -Be 'web-0'
        Test-Path $r.Path | Should -BeTrue
        $ev.Count | Should -Be 1
        $ev[0].FullyQualifiedErrorId | Should -BeLike 'CapturePodNotRemoved,*'
        $ev[0].CategoryInfo.Category | Should -Be 'PermissionDenied'
        $ev[0].ErrorDetails.Message | Should -Match "still running privileged on node node-1"
        $left = @(Get-PodCapture @kc)
        $left.Name | Should -Be $r.CapturePod
        Set-FakeKubeScenario $fake -CaptureSource $source.FullName
        $r | Remove-PodCapture @kc -Confirm:$false
        @(Get-PodCapture @kc).Count | Should -Be 0
    }

    It 'one failed pod does not stop the others' {
        Set-FakeKubeScenario $fake -CaptureSource $source.FullName
        $r = @(Start-PodCapture web-0, no-such-pod, legacy-0 -Namespace shop -Duration 1 -OutputDirectory $out @kc -ErrorVariable ev -ErrorAction SilentlyContinue)
        @($r.Pod | Sort-Object) | Should -Be @('legacy-0', 'web-0')
        $ev.Count | Should -Be 1
        $ev[0].TargetObject | Should -Be 'no-such-pod'
    }
}

Describe 'Start-PodCapture: Ctrl+C during the capture and during the copy' {
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

    It 'stops in the middle of the copy: the partial file is removed and the capture pod deleted' {
        $script:seenTar = @(Get-CaptureEvents exec | Where-Object detail -like 'keeper: tar *' | ForEach-Object name)
        Set-FakeKubeScenario $fake -Mode 'slow-copy' -CaptureSource $source.FullName
        $out = New-OutputDirectory
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript("Import-Module '$env:KF_MODULE_PATH'; Start-PodCapture web-0 -Namespace shop -Duration 1 -OutputDirectory '$out' -Kubeconfig '$($fake.Kubeconfig)'")
            $handle = $ps.BeginInvoke()
            $deadline = [DateTime]::UtcNow.AddSeconds(60)
            do {
                Start-Sleep -Milliseconds 100
                $tar = @(Get-CaptureEvents exec | Where-Object detail -like 'keeper: tar *' | Where-Object { $_.name -notin $script:seenTar })
            } until ($tar -or [DateTime]::UtcNow -gt $deadline)
            $tar.Count | Should -Be 1
            Start-Sleep -Milliseconds 700
            @(Get-ChildItem $out -Filter '*.partial').Count | Should -Be 1
            $ps.Stop()
            $handle.IsCompleted | Should -BeTrue
            (Get-CaptureEvents deleted).name | Should -Contain $tar[0].name
            @(Get-ChildItem $out).Count | Should -Be 0
            @(Get-PodCapture @kc).Count | Should -Be 0
        } finally { $ps.Dispose() }
    }
}
