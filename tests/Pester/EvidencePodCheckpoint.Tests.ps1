# New-PodCheckpoint -Recipient / -Destination against the fake kubelet (real Docker + CRIU checkpoints, as in
# PodCheckpoint.Tests.ps1), gpg and Azurite. Skipped, visibly, where no Docker engine with CRIU can run.
BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot '../Setup/KForensics.TestSupport.psm1') -Force
    $script:skip = -not ((Test-KfDebianRoot) -and (Get-Command docker -ErrorAction SilentlyContinue) -and (Test-KfDockerExperimental))
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../Setup/KForensics.TestSupport.psm1') -Force
    Import-Module $env:KF_MODULE_PATH -Force
    Import-Module (Join-Path $PSScriptRoot '../FakeKubeApi/FakeKubeApi.psm1') -Force
    function Sha([string] $Path) { (Get-FileHash -LiteralPath $Path -Algorithm SHA256).Hash.ToLowerInvariant() }
    $script:prefix = 'kfev' + [Guid]::NewGuid().ToString('N').Substring(0, 6)
    $script:work = Join-Path ([IO.Path]::GetTempPath()) "kf-evidence-checkpoint-$PID-$([guid]::NewGuid().ToString('n').Substring(0, 8))"
    New-Item -ItemType Directory -Force -Path $work | Out-Null
    $script:gpg = New-KfGpgHome -Name curve
    if (-not $script:skip) {
        $script:fake = Start-FakeKubeApi -WorkDirectory $work
        $script:kc = @{ Kubeconfig = $fake.Kubeconfig }
        & docker run -d --name "$prefix-app" (Get-KfTestImage) /bin/sh -c 'i=0; while true; do echo $i; i=$((i+1)); sleep 0.3; done' | Out-Null
        Wait-KfContainerNumber "$prefix-app" 2 | Out-Null
        Add-FakeKubeObjects $fake @{
            namespaces = @('shop')
            nodes = @(@{ name = 'node-2'; runtime = 'containerd'; taints = @() })
            pods = @(@{ name = 'api-0'; namespace = 'shop'; node = 'node-2'; runtime = 'containerd'; containers = @(@{ name = 'app'; image = (Get-KfTestImage); docker = "$prefix-app" }) })
        }
        Set-FakeKubeScenario $fake -Mode ok
        $script:azurite = Start-KfAzurite
        $script:container = Get-KfAzuriteContainer $script:azurite checkpoints -Create
    }
}

AfterAll {
    if ($script:fake) { Stop-FakeKubeApi $fake }
    if ($script:azurite) { Stop-KfAzurite $script:azurite }
    $ids = @(& docker ps -aq --filter "name=$prefix")
    if ($ids.Count -gt 0) { & docker rm -f $ids | Out-Null }
    if ($script:gpg) { Remove-KfGpgHome $script:gpg }
    if ($script:work -and (Test-Path $work)) { Remove-Item -Recurse -Force $work -ErrorAction SilentlyContinue }
}

Describe 'New-PodCheckpoint -Recipient and -Destination' -Skip:$skip {
    It 'writes only the encrypted archive; gpg decrypts it to the node''s archive, which reads as a checkpoint' {
        $out = Join-Path $work 'enc'
        $p = New-PodCheckpoint api-0 -Namespace shop -OutputDirectory $out -Recipient $script:gpg.Keys.curve.Public @kc
        $p.GetType().FullName | Should -Be 'KForensics.Core.Evidence.Protection.ProtectedEvidence'
        Split-Path -Leaf $p.Path | Should -Match '\.tar\.gpg$'
        @(Get-ChildItem $out -Name | Sort-Object) | Should -Be @((Split-Path -Leaf $p.Path), (Split-Path -Leaf $p.ManifestPath))
        $m = Get-Content -Raw $p.ManifestPath | ConvertFrom-Json
        $m.file.sha256 | Should -Be (Sha $p.Path)
        $m.protection.plaintextSha256 | Should -Be $p.PlaintextSha256

        $clear = Join-Path $work 'decrypted.tar'
        (Invoke-KfGpg $script:gpg @('--output', $clear, '--decrypt', $p.Path)).ExitCode | Should -Be 0
        Sha $clear | Should -Be $p.PlaintextSha256
        $onNode = @(Get-FakeKubeNodeCheckpoint $fake -Node node-2)[-1]
        $p.PlaintextBytes | Should -Be (Get-Item $clear).Length
        @(Get-CheckpointProcess -Path $clear).Count | Should -BeGreaterThan 0
        $onNode | Should -Not -BeNullOrEmpty
    }

    It 'checkpoints, encrypts and ships in one command' {
        $sent = New-PodCheckpoint api-0 -Namespace shop -OutputDirectory (Join-Path $work 'ship') -Recipient $script:gpg.Keys.curve.Public `
            -Destination 'checkpoints' -ConnectionString $script:azurite.ConnectionString @kc
        $sent.GetType().FullName | Should -Be 'KForensics.Core.Evidence.Storage.SentEvidence'
        $local = Get-ChildItem (Join-Path $work 'ship') -Filter '*.gpg'
        $sent.Sha256ReadBack | Should -Be (Sha $local.FullName)
        $meta = $script:container.GetBlobClient($sent.Blob).GetProperties().Value.Metadata
        $meta['plaintextsha256'] | Should -Match '^[0-9a-f]{64}$'
        $script:container.GetBlobClient("$($sent.Blob).manifest.json").Exists().Value | Should -BeTrue
    }
}
