# New-PodCheckpoint, Get-PodCheckpoint and Remove-PodCheckpoint against the fake API server, whose kubelet
# checkpoints real Docker containers standing in for the pods' containers (real CRIU images), laid out as
# CRI-O or containerd 2.x write them. Skipped, visibly, where no Docker engine with CRIU can run.
BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot '../Setup/KForensics.TestSupport.psm1') -Force
    $script:skip = -not ((Test-KfDebianRoot) -and (Get-Command docker -ErrorAction SilentlyContinue) -and (Test-KfDockerExperimental))
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../Setup/KForensics.TestSupport.psm1') -Force
    Import-Module $env:KF_MODULE_PATH -Force
    Import-Module (Join-Path $PSScriptRoot '../FakeKubeApi/FakeKubeApi.psm1') -Force
    $script:prefix = 'kfpc' + [Guid]::NewGuid().ToString('N').Substring(0, 6)
    $script:work = Join-Path ([IO.Path]::GetTempPath()) "kf-podcheckpoint-$PID-$([guid]::NewGuid().ToString('n').Substring(0, 8))"
    New-Item -ItemType Directory -Force -Path $work | Out-Null
    $script:fake = Start-FakeKubeApi -WorkDirectory $work
    $script:kc = @{ Kubeconfig = $fake.Kubeconfig }
    $script:secret = 'kf-' + [Guid]::NewGuid().ToString('N').Substring(0, 12)
    $script:loop = 'mkdir -p /var/kf && echo evidence > /var/kf/marker && i=0; while true; do echo $i; i=$((i+1)); sleep 0.3; done'

    function script:Start-StandIn([string] $Name) {
        & docker run -d --name $Name -e "KF_SECRET=$secret" (Get-KfTestImage) /bin/sh -c $loop | Out-Null
        Wait-KfContainerNumber $Name 2 | Out-Null
    }
    function script:New-OutputDirectory {
        $d = Join-Path $work ([guid]::NewGuid().ToString('n')); New-Item -ItemType Directory -Path $d | Out-Null; $d
    }
    function script:Get-HelperPods { @(Get-FakeKubePods $fake | Where-Object { $_ -like '*/kf-checkpoint-*' }) }
    function script:Get-ErrorRecord([scriptblock] $Action) {
        try { $ErrorActionPreference = 'Stop'; & $Action | Out-Null; return $null } catch { return $_ }
    }

    foreach ($n in 'nginx', 'sidecar', 'api') { Start-StandIn "$prefix-$n" }
    Add-FakeKubeObjects $fake @{
        namespaces = @('shop')
        nodes = @(
            @{ name = 'node-1'; runtime = 'cri-o'; taints = @(@{ key = 'dedicated'; value = 'web'; effect = 'NoSchedule' }) }
            @{ name = 'node-2'; runtime = 'containerd'; taints = @() })
        pods = @(
            @{ name = 'web-0'; namespace = 'shop'; node = 'node-1'; runtime = 'cri-o'; labels = @{ app = 'web' }
               containers = @(@{ name = 'nginx'; image = (Get-KfTestImage); docker = "$prefix-nginx" }, @{ name = 'sidecar'; image = (Get-KfTestImage); docker = "$prefix-sidecar" }) }
            @{ name = 'api-0'; namespace = 'shop'; node = 'node-2'; runtime = 'containerd'; labels = @{ app = 'api' }
               containers = @(@{ name = 'app'; image = (Get-KfTestImage); docker = "$prefix-api" }) }
        )
    }
    $script:checkpointctl = Get-KfCheckpointTool -Name checkpointctl
}

AfterAll {
    if ($script:fake) { Stop-FakeKubeApi $fake }
    $ids = @(& docker ps -aq --filter "name=$prefix")
    if ($ids.Count -gt 0) { & docker rm -f $ids | Out-Null }
    if ($script:work -and (Test-Path $work)) { Remove-Item -Recurse -Force $work -ErrorAction SilentlyContinue }
}

Describe 'New-PodCheckpoint: a CRI-O container brought home and read as evidence' -Skip:$skip {
    BeforeAll {
        Set-FakeKubeScenario $fake -Mode ok
        $script:out = New-OutputDirectory
        $script:cp = New-PodCheckpoint web-0 -Namespace shop -Container nginx -OutputDirectory $out @kc
    }

    It 'returns one verified PodCheckpoint whose hashes match the file on disk and the node''s archive' {
        @($cp).Count | Should -Be 1
        $cp.Namespace, $cp.Pod, $cp.Container, $cp.Node | Should -Be @('shop', 'web-0', 'nginx', 'node-1')
        $cp.Runtime | Should -Be 'CriO'
        $cp.NodePath | Should -Match '^/var/lib/kubelet/checkpoints/checkpoint-web-0_shop-nginx-\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\.tar$'
        Split-Path -Leaf $cp.Path | Should -Not -Match '[:<>"|?*]'
        $cp.Sha256 | Should -Be (Get-FileHash -Algorithm SHA256 $cp.Path).Hash.ToLowerInvariant()
        $cp.Sha256AtSource | Should -Be $cp.Sha256
        $cp.Bytes | Should -Be (Get-Item $cp.Path).Length
        $cp.CheckpointedUtc.Kind | Should -Be 'Utc'
        $cp.RemovedFromNode | Should -BeFalse
        $onNode = @(Get-FakeKubeNodeCheckpoint $fake -Node node-1 | Where-Object Name -eq (Split-Path -Leaf $cp.NodePath))
        $onNode.Count | Should -Be 1
        (Get-FileHash -Algorithm SHA256 $onNode[0].FullName).Hash.ToLowerInvariant() | Should -Be $cp.Sha256
    }

    It 'writes a custody manifest beside it and leaves no helper pod' {
        $m = Get-Content -Raw $cp.ManifestPath | ConvertFrom-Json
        $m.kind | Should -Be 'PodCheckpoint'
        $m.file.sha256 | Should -Be $cp.Sha256
        $m.file.sha256AtSource | Should -Be $cp.Sha256
        $m.source.nodePath | Should -Be $cp.NodePath
        $m.source.container | Should -Be 'nginx'
        $m.source.helperPod | Should -Be $cp.HelperPod
        Get-HelperPods | Should -BeNullOrEmpty
        $events = @(Get-FakeKubeHistory $fake | Where-Object { $_.event -eq 'checkpoint' -and $_.name -eq 'web-0' })
        $events[-1].detail | Should -Match 'nginx timeout=300'
    }

    It 'pipes into Get-ContainerCheckpoint, the inspection cmdlets and checkpointctl' {
        $overview = $cp | Get-ContainerCheckpoint
        $overview.Engine | Should -Be 'CRI-O'
        $overview.PodName | Should -Be 'web-0'
        $overview.Namespace | Should -Be 'shop'
        $overview.Sha256 | Should -Be $cp.Sha256
        $processes = @($cp | Get-CheckpointProcess)
        $processes[0].CommandLine | Should -Be "/bin/sh -c $loop"
        $processes[0].Environment['KF_SECRET'] | Should -Be $secret
        @($cp | Search-CheckpointMemory -Pattern "KF_SECRET=$secret").Count | Should -BeGreaterThan 0
        # CRI-O's rootfs-diff.tar carries added and modified files alike: Written, with the content hashed.
        $marker = @($cp | Get-CheckpointFileChange | Where-Object Path -eq '/var/kf/marker')
        $marker.Change | Should -Be 'Written'
        $marker.Sha256 | Should -Be ([Convert]::ToHexString([Security.Cryptography.SHA256]::HashData([Text.Encoding]::ASCII.GetBytes("evidence`n"))).ToLowerInvariant())
        $shown = & $checkpointctl show $cp.Path 2>&1
        $LASTEXITCODE | Should -Be 0 -Because ($shown -join "`n")
        ($shown -join "`n") | Should -Match 'CRI-O'
        $inspected = & $checkpointctl inspect $cp.Path 2>&1
        $LASTEXITCODE | Should -Be 0 -Because ($inspected -join "`n")
    }

    It 'imports into an isolated local sandbox that continues counting, with its filesystem changes' {
        $clone = $cp | Import-ContainerCheckpoint -Name "$prefix-web-sandbox" -Confirm:$false
        $clone.State | Should -Be 'running'
        $clone.Network | Should -Be 'none'
        (Wait-KfContainerNumber "$prefix-web-sandbox" 1)[0] | Should -BeGreaterThan 0
        (& docker exec "$prefix-web-sandbox" cat /var/kf/marker) | Should -Be 'evidence'
    }
}

Describe 'New-PodCheckpoint: containerd, every container, in parallel, and removed from the node' -Skip:$skip {
    BeforeEach { Set-FakeKubeScenario $fake -Mode ok }

    It 'reads a containerd archive (gzip''d rootfs-diff with whiteouts) and imports it' {
        $cp = New-PodCheckpoint api-0 -Namespace shop -OutputDirectory (New-OutputDirectory) @kc
        $cp.Runtime | Should -Be 'Containerd'
        ($cp | Get-ContainerCheckpoint).Engine | Should -Be 'containerd'
        $shown = & $checkpointctl show $cp.Path 2>&1
        $LASTEXITCODE | Should -Be 0 -Because ($shown -join "`n")
        ($shown -join "`n") | Should -Match 'containerd'
        @($cp | Get-CheckpointFileChange | Where-Object Path -eq '/var/kf/marker').Change | Should -Be 'Written'
        $clone = $cp | Import-ContainerCheckpoint -Name "$prefix-api-sandbox" -Confirm:$false
        (Wait-KfContainerNumber "$prefix-api-sandbox" 1)[0] | Should -BeGreaterThan 0
    }

    It 'checkpoints every running container of the pod when -Container is absent, several at once' {
        $web = @(New-PodCheckpoint -Selector app=web -Namespace shop -ThrottleLimit 2 -OutputDirectory (New-OutputDirectory) @kc)
        ($web.Container | Sort-Object) | Should -Be @('nginx', 'sidecar')
        $all = @(New-PodCheckpoint -Pod web-0, api-0 -Namespace shop -ThrottleLimit 2 -OutputDirectory (New-OutputDirectory) @kc)
        ($all | ForEach-Object { "$($_.Pod)/$($_.Container)" } | Sort-Object) | Should -Be @('api-0/app', 'web-0/nginx', 'web-0/sidecar')
        ($all.Sha256 | Sort-Object -Unique).Count | Should -Be 3
        $all | ForEach-Object { Test-Path $_.Path | Should -BeTrue }
        Get-HelperPods | Should -BeNullOrEmpty
    }

    It 'removes the node''s archive after the verified copy with -RemoveFromNode' {
        $cp = New-PodCheckpoint web-0 -Namespace shop -Container sidecar -RemoveFromNode -OutputDirectory (New-OutputDirectory) @kc
        $cp.RemovedFromNode | Should -BeTrue
        Test-Path $cp.Path | Should -BeTrue
        Get-FakeKubeNodeCheckpoint $fake -Node node-1 | Where-Object Name -eq (Split-Path -Leaf $cp.NodePath) | Should -BeNullOrEmpty
    }

    It 'says which image to pull when the archive''s image is not in the local engine, and creates nothing' {
        $cp = New-PodCheckpoint web-0 -Namespace shop -Container nginx -OutputDirectory (New-OutputDirectory) @kc
        $unpacked = Join-Path $work ([guid]::NewGuid().ToString('n'))
        New-Item -ItemType Directory -Path $unpacked | Out-Null
        & tar -xf $cp.Path -C $unpacked
        $config = Get-Content -Raw (Join-Path $unpacked 'config.dump') | ConvertFrom-Json
        $config.rootfsImageName = 'registry.invalid/kforensics/absent:1'
        $config.rootfsImageRef = 'sha256:' + ('0' * 64)
        $config.rootfsImage = $config.rootfsImageRef
        $config | ConvertTo-Json -Depth 8 | Set-Content (Join-Path $unpacked 'config.dump')
        $moved = Join-Path $work 'moved.tar'
        & tar -cf $moved -C $unpacked .
        $err = Get-ErrorRecord { Import-ContainerCheckpoint -Path $moved -Name "$prefix-noimage" -Confirm:$false }
        $err.FullyQualifiedErrorId | Should -BeLike 'CheckpointImageMissing*'
        $err.Exception.Message | Should -Match ([regex]::Escape('docker pull registry.invalid/kforensics/absent:1'))
        @(& docker ps -aq --filter "name=$prefix-noimage").Count | Should -Be 0
    }

    It 'prints the requests and the RBAC with -DryRun and creates nothing' {
        $before = @(Get-FakeKubeHistory $fake | Where-Object event -eq 'checkpoint').Count
        $text = (New-PodCheckpoint web-0 -Namespace shop -Container nginx -DryRun @kc) -join "`n"
        $text | Should -Match ([regex]::Escape('POST /api/v1/nodes/node-1/proxy/checkpoint/shop/web-0/nginx?timeout=300'))
        $text | Should -Match 'nodes/proxy'
        $text | Should -Match 'pods/exec'
        $text | Should -Match 'kind: ClusterRole'
        @(Get-FakeKubeHistory $fake | Where-Object event -eq 'checkpoint').Count | Should -Be $before
        Get-HelperPods | Should -BeNullOrEmpty
    }
}

Describe 'New-PodCheckpoint: the errors users meet' -Skip:$skip {
    AfterEach { Set-FakeKubeScenario $fake -Mode ok }

    It '<mode> is <id>' -ForEach @(
        @{ mode = 'checkpoint-gate-off'; id = 'PodCheckpointUnavailable'; text = 'ContainerCheckpoint' }
        @{ mode = 'checkpoint-unsupported'; id = 'PodCheckpointUnavailable'; text = 'cannot checkpoint' }
        @{ mode = 'checkpoint-forbidden-proxy'; id = 'PodCheckpointForbidden'; text = 'nodes/proxy' }
        @{ mode = 'checkpoint-forbidden-kubelet'; id = 'PodCheckpointForbidden'; text = 'nodes/checkpoint' }
        @{ mode = 'checkpoint-criu-fails'; id = 'PodCheckpointFailed'; text = 'criu failed' }
    ) {
        Set-FakeKubeScenario $fake -Mode $mode
        $out = New-OutputDirectory
        $err = Get-ErrorRecord { New-PodCheckpoint web-0 -Namespace shop -Container nginx -OutputDirectory $out @kc }
        $err.FullyQualifiedErrorId | Should -BeLike "$id*"
        $err.Exception.Message | Should -Match ([regex]::Escape($text))
        @(Get-ChildItem $out).Count | Should -Be 0
        Get-HelperPods | Should -BeNullOrEmpty
    }

    It 'a kubelet slower than -Timeout is PodCheckpointTimeout' {
        Set-FakeKubeScenario $fake -Mode ok -CheckpointDelaySeconds 5
        $err = Get-ErrorRecord { New-PodCheckpoint web-0 -Namespace shop -Container nginx -Timeout 1 -OutputDirectory (New-OutputDirectory) @kc }
        $err.FullyQualifiedErrorId | Should -BeLike 'PodCheckpointTimeout*'
    }

    It 'an unknown container is PodCheckpointTargetNotFound and names the ones there are' {
        $err = Get-ErrorRecord { New-PodCheckpoint web-0 -Namespace shop -Container nope -OutputDirectory (New-OutputDirectory) @kc }
        $err.FullyQualifiedErrorId | Should -BeLike 'PodCheckpointTargetNotFound*'
        $err.Exception.Message | Should -Match 'nginx, sidecar'
    }

    It '<why> is <id>: nothing kept locally, the node''s archive kept, no helper pod left' -ForEach @(
        @{ why = 'a hash mismatch'; mode = 'hash-mismatch'; id = 'PodCheckpointHashMismatch'; category = 'InvalidData'; text = @('kept at node-1:/var/lib/kubelet/checkpoints/') }
        @{ why = 'the node''s disk failing during the copy'; mode = 'read-error'; id = 'PodCheckpointCopyFailed'; category = 'ReadError'; text = @('tar exit code 2', 'Input/output error') }
    ) {
        Set-FakeKubeScenario $fake -Mode $mode
        $out = New-OutputDirectory
        $err = Get-ErrorRecord { New-PodCheckpoint web-0 -Namespace shop -Container nginx -OutputDirectory $out @kc }
        $err.FullyQualifiedErrorId | Should -BeLike "$id*"
        $err.CategoryInfo.Category | Should -Be $category
        foreach ($t in $text) { $err.Exception.Message | Should -Match $t }
        @(Get-ChildItem $out).Count | Should -Be 0
        # The kubelet names archives to the second, so the test follows the one the message names rather than counting.
        $kept = [regex]::Match($err.Exception.Message, 'archive is kept at node-1:/var/lib/kubelet/checkpoints/(?<file>checkpoint-web-0_shop-nginx-[^ ]+\.tar)').Groups['file'].Value
        $kept | Should -Not -BeNullOrEmpty
        @(Get-FakeKubeNodeCheckpoint $fake -Node node-1).Name | Should -Contain $kept
        Get-HelperPods | Should -BeNullOrEmpty
    }

    It 'a node that goes away during the copy is NodeGone and leaves nothing locally' {
        Set-FakeKubeScenario $fake -Mode checkpoint-node-gone
        Add-FakeKubeObjects $fake @{ nodes = @(@{ name = 'node-3'; runtime = 'cri-o'; taints = @() }); pods = @(
            @{ name = 'doomed-0'; namespace = 'shop'; node = 'node-3'; runtime = 'cri-o'; containers = @(@{ name = 'app'; image = (Get-KfTestImage); docker = "$prefix-api" }) }) }
        $out = New-OutputDirectory
        $err = Get-ErrorRecord { New-PodCheckpoint doomed-0 -Namespace shop -OutputDirectory $out @kc }
        $err.FullyQualifiedErrorId | Should -BeLike 'NodeGone*'
        @(Get-ChildItem $out).Count | Should -Be 0
    }

    It 'a helper pod that cannot be deleted is PodCheckpointHelperNotRemoved; the verified checkpoint still comes out' {
        Set-FakeKubeScenario $fake -Mode forbidden-delete
        $out = New-OutputDirectory
        $cp = New-PodCheckpoint web-0 -Namespace shop -Container nginx -OutputDirectory $out @kc -ErrorVariable ev -ErrorAction SilentlyContinue
        Set-FakeKubeScenario $fake -Mode ok
        $left = @(Get-HelperPods)
        foreach ($pod in $left) {
            $ns, $name = $pod -split '/', 2
            Invoke-RestMethod -Method Delete -Uri "$($fake.Url)/api/v1/namespaces/$ns/pods/$name" -Headers @{ Authorization = 'Bearer kf-test-token' } | Out-Null
        }
        @($cp).Count | Should -Be 1
        $cp.Sha256 | Should -Be (Get-FileHash -Algorithm SHA256 $cp.Path).Hash.ToLowerInvariant()
        $ev.Count | Should -Be 1
        $ev[0].FullyQualifiedErrorId | Should -BeLike 'PodCheckpointHelperNotRemoved*'
        $ev[0].CategoryInfo.Category | Should -Be 'PermissionDenied'
        $ev[0].ErrorDetails.Message | Should -Match ([regex]::Escape($cp.HelperPod))
        $left.Count | Should -Be 1
        $left[0] | Should -Be "shop/$($cp.HelperPod)"
    }

    It 'a pod with no running container is NoContainerToCheckpoint, and nothing is asked of its kubelet' {
        Add-FakeKubeObjects $fake @{ pods = @(
            @{ name = 'job-0'; namespace = 'shop'; node = 'node-2'; runtime = 'containerd'; containers = @(@{ name = 'work'; image = (Get-KfTestImage); terminated = $true }) }) }
        $before = @(Get-FakeKubeHistory $fake | Where-Object event -eq 'checkpoint').Count
        $err = Get-ErrorRecord { New-PodCheckpoint job-0 -Namespace shop -OutputDirectory (New-OutputDirectory) @kc }
        $err.FullyQualifiedErrorId | Should -BeLike 'NoContainerToCheckpoint*'
        $err.Exception.Message | Should -Match 'shop/job-0'
        @(Get-FakeKubeHistory $fake | Where-Object event -eq 'checkpoint').Count | Should -Be $before
        Get-HelperPods | Should -BeNullOrEmpty
    }

    It 'a full local disk is DiskFull and leaves no partial file' -Skip:(-not (Test-KfDebianRoot)) {
        $small = Join-Path $work 'small'
        New-Item -ItemType Directory -Path $small | Out-Null
        & mount -t tmpfs -o size=64k tmpfs $small
        try {
            $err = Get-ErrorRecord { New-PodCheckpoint web-0 -Namespace shop -Container nginx -OutputDirectory $small @kc }
            $err.FullyQualifiedErrorId | Should -BeLike 'DiskFull*'
            @(Get-ChildItem $small).Count | Should -Be 0
            Get-HelperPods | Should -BeNullOrEmpty
        } finally { & umount $small }
    }

    It 'Ctrl+C during the copy deletes the helper pod and leaves no partial file' {
        Set-FakeKubeScenario $fake -Mode slow-copy
        $out = New-OutputDirectory
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript("Import-Module '$env:KF_MODULE_PATH'; New-PodCheckpoint web-0 -Namespace shop -Container nginx -OutputDirectory '$out' -Kubeconfig '$($fake.Kubeconfig)'")
            $handle = $ps.BeginInvoke()
            $deadline = [DateTime]::UtcNow.AddSeconds(60)
            while (-not ($ps.Streams.Progress | Where-Object StatusDescription -match 'Copying [\d,]+ of') -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 200 }
            @(Get-HelperPods).Count | Should -Be 1
            $ps.Stop()
            try { $ps.EndInvoke($handle) } catch { $_.Exception.InnerException | Should -BeOfType ([System.Management.Automation.PipelineStoppedException]) }
            Get-HelperPods | Should -BeNullOrEmpty
            @(Get-ChildItem $out -ErrorAction SilentlyContinue).Count | Should -Be 0
        } finally { $ps.Dispose() }
    }
}

Describe 'Get-PodCheckpoint and Remove-PodCheckpoint: the node''s kubelet directory' -Skip:$skip {
    BeforeAll {
        Set-FakeKubeScenario $fake -Mode ok
        $script:made = New-PodCheckpoint api-0 -Namespace shop -OutputDirectory (New-OutputDirectory) @kc
    }

    It 'lists the archives with pod, namespace, container and time from the kubelet''s names' {
        $listed = @(Get-PodCheckpoint -Node node-2 @kc)
        $mine = @($listed | Where-Object NodePath -eq $made.NodePath)
        $mine.Count | Should -Be 1
        $mine[0].Pod, $mine[0].Namespace, $mine[0].Container | Should -Be @('api-0', 'shop', 'app')
        $mine[0].Size | Should -Be $made.Bytes
        $mine[0].CheckpointedUtc.Kind | Should -Be 'Utc'
        [Math]::Abs(($mine[0].CheckpointedUtc - $made.CheckpointedUtc).TotalSeconds) | Should -BeLessThan 5
        @(Get-PodCheckpoint -Node node-2 -Pod 'web-*' @kc) | Should -BeNullOrEmpty
        Get-HelperPods | Should -BeNullOrEmpty
    }

    It 'finds a node that is not there, and a name that is no file name, before it asks and before any helper pod' {
        $before = @(Get-FakeKubeHistory $fake | Where-Object event -eq 'created').Count
        $errors = @()
        Remove-PodCheckpoint -Node node-9 -Checkpoint 'checkpoint-x.tar' -Confirm:$false @kc -ErrorVariable +errors -ErrorAction SilentlyContinue
        Remove-PodCheckpoint -Node node-2 -Checkpoint '../etc/passwd', '..' -Confirm:$false @kc -ErrorVariable +errors -ErrorAction SilentlyContinue
        $errors.Count | Should -Be 3
        $errors.FullyQualifiedErrorId | ForEach-Object { $_ | Should -BeLike 'PodCheckpointTargetNotFound*' }
        $errors[0].TargetObject | Should -Be 'node-9'
        $errors[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $errors[1].CategoryInfo.Category | Should -Be 'InvalidArgument'
        @(Get-FakeKubeHistory $fake | Where-Object event -eq 'created').Count | Should -Be $before
        Get-HelperPods | Should -BeNullOrEmpty
    }

    It 'removes what it is given, only after confirmation' {
        $file = Get-PodCheckpoint -Node node-2 @kc | Where-Object NodePath -eq $made.NodePath
        $file | Remove-PodCheckpoint -WhatIf @kc
        Get-FakeKubeNodeCheckpoint $fake -Node node-2 | Where-Object Name -eq $file.Name | Should -Not -BeNullOrEmpty
        $removed = $file | Remove-PodCheckpoint -Confirm:$false -PassThru @kc
        $removed.Name | Should -Be $file.Name
        Get-FakeKubeNodeCheckpoint $fake -Node node-2 | Where-Object Name -eq $file.Name | Should -BeNullOrEmpty
        $attribute = (Get-Command Remove-PodCheckpoint).ImplementingType.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false)[0]
        $attribute.ConfirmImpact | Should -Be 'High'
        Get-HelperPods | Should -BeNullOrEmpty
    }
}
