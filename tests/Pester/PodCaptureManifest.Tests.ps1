# Start-PodCapture (many pods, -DryRun manifests), Get-PodCapture and Remove-PodCapture against the fake API server in tests/FakeKubeApi, driven by the real KubernetesClient:
# REST, watch and exec over WebSocket. The fixture and helpers are in PodCapture.Setup.ps1.
BeforeAll {
    . (Join-Path $PSScriptRoot 'PodCapture.Setup.ps1')
}

AfterAll {
    Stop-PodCaptureFixture
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

    It '-ThrottleLimit 2 keeps at most two capture pods at once' {
        Set-FakeKubeScenario $fake -CaptureSource $source.FullName -MaxCaptureSeconds 1
        $since = @(Get-FakeKubeHistory $fake).Count
        $r = @(Start-PodCapture -Selector 'app=batch' -Namespace batch -Duration 1 -ThrottleLimit 2 -OutputDirectory (New-OutputDirectory) @kc)
        $r.Count | Should -Be 5
        $live = 0; $peak = 0
        foreach ($h in @(Get-FakeKubeHistory $fake | Select-Object -Skip $since | Where-Object name -like 'kf-capture-batch-*')) {
            if ($h.event -eq 'created') { $live++ } elseif ($h.event -eq 'deleted') { $live-- }
            $peak = [Math]::Max($peak, $live)
        }
        $peak | Should -Be 2
        $live | Should -Be 0
    }

    It 'binds Pod and Namespace by property name from the pipeline (Name, which names only a new thing, is not an alias)' {
        $yaml = @([pscustomobject]@{ Pod = 'web-0'; Namespace = 'shop' }, [pscustomobject]@{ Pod = 'legacy-0'; Namespace = 'shop' }) | Start-PodCapture -DryRun @kc
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

    It 'the kept pod still holds the capture: sha256sum over exec (v5.channel.k8s.io) matches the local hash' {
        $ws = [System.Net.WebSockets.ClientWebSocket]::new()
        try {
            $ws.Options.AddSubProtocol('v5.channel.k8s.io')
            $ws.Options.SetRequestHeader('Authorization', 'Bearer kf-test-token')
            $uri = ($fake.Url -replace '^http', 'ws') + "/api/v1/namespaces/shop/pods/$($kept.CapturePod)/exec?container=keeper&stdout=true&stderr=true&command=sha256sum&command=%2Fcapture%2Fcapture.scap.gz"
            $ws.ConnectAsync([uri]$uri, [Threading.CancellationToken]::None).GetAwaiter().GetResult()
            $ws.SubProtocol | Should -Be 'v5.channel.k8s.io'
            $channels = @{}
            $buffer = [byte[]]::new(65536)
            $message = [System.IO.MemoryStream]::new()
            while ($true) {
                $r = $ws.ReceiveAsync([ArraySegment[byte]]::new($buffer), [Threading.CancellationToken]::None).GetAwaiter().GetResult()
                if ($r.MessageType -eq 'Close') { break }
                $message.Write($buffer, 0, $r.Count)
                if ($r.EndOfMessage) {
                    $bytes = $message.ToArray(); $message.SetLength(0)
                    $channels[[int]$bytes[0]] += [Text.Encoding]::UTF8.GetString($bytes, 1, $bytes.Length - 1)
                }
            }
            $channels[1] | Should -Be "$($kept.Sha256)  /capture/capture.scap.gz`n"
            ($channels[3] | ConvertFrom-Json).status | Should -Be 'Success'
        } finally { $ws.Dispose() }
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
