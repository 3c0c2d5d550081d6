# Export-ContainerCheckpoint -Recipient / -Destination on the real Docker engine with CRIU, gpg and Azurite.
# Skipped, visibly, where no Docker engine with CRIU can run.
BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot '../Setup/KForensics.TestSupport.psm1') -Force
    $script:skip = -not ((Test-KfDebianRoot) -and (Get-Command docker -ErrorAction SilentlyContinue) -and (Test-KfDockerExperimental))
}

BeforeAll {
    Import-Module $env:KF_MODULE_PATH -Force
    Import-Module (Join-Path $PSScriptRoot '../Setup/KForensics.TestSupport.psm1') -Force
    function Sha([string] $Path) { (Get-FileHash -LiteralPath $Path -Algorithm SHA256).Hash.ToLowerInvariant() }
    $script:name = 'kfex' + [Guid]::NewGuid().ToString('N').Substring(0, 6)
    $script:gpg = New-KfGpgHome -Name curve
    if (-not $script:skip) {
        & docker run -d --name $script:name (Get-KfTestImage) /bin/sh -c 'i=0; while true; do echo $i; i=$((i+1)); sleep 0.3; done' | Out-Null
        Wait-KfContainerNumber $script:name 3 | Out-Null
        $script:cp = New-ContainerCheckpoint $script:name -Name kfev -LeaveRunning
        $script:azurite = Start-KfAzurite
        $script:container = Get-KfAzuriteContainer $script:azurite checkpoints -Create
    }
}

AfterAll {
    if ($script:azurite) { Stop-KfAzurite $script:azurite }
    & docker rm -f $script:name 2>$null | Out-Null
    if ($script:gpg) { Remove-KfGpgHome $script:gpg }
}

Describe 'Export-ContainerCheckpoint -Recipient and -Destination' -Skip:$skip {
    It 'writes only the encrypted archive, which gpg decrypts to an archive the module reads as the checkpoint' {
        $dir = New-Item -ItemType Directory (Join-Path $TestDrive 'enc')
        $p = $script:cp | Export-ContainerCheckpoint -Path (Join-Path $dir 'cp.tar.gz') -Recipient $script:gpg.Keys.curve.Public
        $p.GetType().FullName | Should -Be 'KForensics.Core.Evidence.Protection.ProtectedEvidence'
        $p.Path | Should -Be (Join-Path $dir 'cp.tar.gz.gpg')
        @(Get-ChildItem $dir -Name | Sort-Object) | Should -Be @('cp.tar.gz.gpg', 'cp.tar.gz.gpg.manifest.json')
        $m = Get-Content -Raw $p.ManifestPath | ConvertFrom-Json
        $m.kind | Should -Be 'ContainerCheckpoint'
        $m.source.containerName | Should -Be $script:name
        $m.source.checkpoint | Should -Be 'kfev'

        $clear = Join-Path $TestDrive 'cp.tar.gz'
        (Invoke-KfGpg $script:gpg @('--output', $clear, '--decrypt', $p.Path)).ExitCode | Should -Be 0
        Sha $clear | Should -Be $p.PlaintextSha256
        $read = Get-ContainerCheckpoint -Path $clear
        $read.ContainerName | Should -Be $script:name
        @(Get-CheckpointProcess -Path $clear).Count | Should -BeGreaterThan 0
    }

    It 'packs, encrypts and ships in one command' {
        $dir = New-Item -ItemType Directory (Join-Path $TestDrive 'ship')
        $sent = $script:cp | Export-ContainerCheckpoint -Path (Join-Path $dir 'cp.tar.gz') -Recipient $script:gpg.Keys.curve.Public `
            -Destination 'checkpoints' -ConnectionString $script:azurite.ConnectionString
        $sent.GetType().FullName | Should -Be 'KForensics.Core.Evidence.Storage.SentEvidence'
        $sent.Blob | Should -Be 'cp.tar.gz.gpg'
        $sent.Sha256ReadBack | Should -Be (Sha (Join-Path $dir 'cp.tar.gz.gpg'))
        $script:container.GetBlobClient('cp.tar.gz.gpg').GetProperties().Value.Metadata['plaintextsha256'] |
            Should -Be (Get-Content -Raw (Join-Path $dir 'cp.tar.gz.gpg.manifest.json') | ConvertFrom-Json).protection.plaintextSha256
    }
}
