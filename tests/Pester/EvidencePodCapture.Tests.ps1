# Start-PodCapture -Recipient / -Destination against the fake API server (see PodCapture.Setup.ps1), gpg and Azurite.
BeforeAll {
    . (Join-Path $PSScriptRoot 'PodCapture.Setup.ps1')
    Import-Module (Join-Path $PSScriptRoot '../Setup/KForensics.TestSupport.psm1') -Force
    function Sha([string] $Path) { (Get-FileHash -LiteralPath $Path -Algorithm SHA256).Hash.ToLowerInvariant() }
    $script:gpg = New-KfGpgHome -Name curve
    $script:public = $script:gpg.Keys.curve.Public
    $script:sourceSha = Sha $source.FullName
}

AfterAll {
    Stop-PodCaptureFixture
    if ($script:gpg) { Remove-KfGpgHome $script:gpg }
}

Describe 'Start-PodCapture -Recipient' {
    It 'writes only the encrypted capture and its manifest; gpg decrypts it to the capture sysdig wrote' {
        Set-FakeKubeScenario $fake -CaptureSource $source.FullName -MaxCaptureSeconds 1
        $out = New-OutputDirectory
        $created = [System.Collections.Concurrent.ConcurrentBag[string]]::new()
        $watcher = [IO.FileSystemWatcher]::new($out)
        $handler = Register-ObjectEvent $watcher Created -MessageData $created -Action { $Event.MessageData.Add($Event.SourceEventArgs.Name) }
        $watcher.EnableRaisingEvents = $true
        try {
            $p = Start-PodCapture -Pod web-0 -Namespace shop -Duration 2 -OutputDirectory $out -Recipient $script:public @kc
            Start-Sleep -Milliseconds 500
        } finally { $watcher.EnableRaisingEvents = $false; Unregister-Event -SourceIdentifier $handler.Name; $watcher.Dispose() }

        $p.GetType().FullName | Should -Be 'KForensics.Core.Evidence.Protection.ProtectedEvidence'
        Split-Path -Leaf $p.Path | Should -Match '^capture-web-0-\d{8}T\d{6}Z\.scap\.gz\.gpg$'
        @(Get-ChildItem $out -Name | Sort-Object) | Should -Be @((Split-Path -Leaf $p.Path), (Split-Path -Leaf $p.ManifestPath))
        foreach ($name in $created) { $name | Should -Match '\.scap\.gz\.gpg(\.partial|\.manifest\.json)?$' }

        $clear = Join-Path $work "decrypted-$([guid]::NewGuid().ToString('n')).scap.gz"
        (Invoke-KfGpg $script:gpg @('--output', $clear, '--decrypt', $p.Path)).ExitCode | Should -Be 0
        Sha $clear | Should -Be $p.PlaintextSha256
        Expand-GzipHash $clear | Should -Be $script:sourceSha

        $m = Get-Content -Raw $p.ManifestPath | ConvertFrom-Json
        $m.kind | Should -Be 'PodCapture'
        $m.source.pod | Should -Be 'web-0'
        $m.file.sha256 | Should -Be (Sha $p.Path)
        $m.protection.plaintextSha256 | Should -Be (Sha $clear)
        @(Get-PodCapture @kc).Count | Should -Be 0
    }

    It 'checks the capture in transit: a gzip file that is not a capture is CaptureInvalid and nothing is kept' {
        Set-FakeKubeScenario $fake -Mode 'not-scap' -CaptureSource $source.FullName
        $out = New-OutputDirectory
        Start-PodCapture web-0 -Namespace shop -Duration 1 -OutputDirectory $out -Recipient $script:public @kc -ErrorVariable ev -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $ev[0].FullyQualifiedErrorId | Should -BeLike 'CaptureInvalid,*'
        @(Get-ChildItem $out -Force).Count | Should -Be 0
    }

    It 'compares the pod''s hash with the bytes encrypted: a mismatch is CaptureHashMismatch and nothing is kept' {
        Set-FakeKubeScenario $fake -Mode 'hash-mismatch' -CaptureSource $source.FullName
        $out = New-OutputDirectory
        Start-PodCapture web-0 -Namespace shop -Duration 1 -OutputDirectory $out -Recipient $script:public @kc -ErrorVariable ev -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $ev[0].FullyQualifiedErrorId | Should -BeLike 'CaptureHashMismatch,*'
        @(Get-ChildItem $out -Force).Count | Should -Be 0
    }

    It 'refuses a bad recipient before any capture pod starts' {
        Set-FakeKubeScenario $fake -CaptureSource $source.FullName
        $before = (Get-CaptureEvents created).Count
        { Start-PodCapture web-0 -Namespace shop -Duration 1 -OutputDirectory (New-OutputDirectory) -Recipient $source.FullName @kc } |
            Should -Throw -ErrorId 'EvidenceRecipientInvalid,KForensics.Commands.StartPodCaptureCommand'
        (Get-CaptureEvents created).Count | Should -Be $before
    }
}

Describe 'Start-PodCapture -Destination' {
    BeforeAll {
        $script:azurite = Start-KfAzurite
        $script:container = Get-KfAzuriteContainer $script:azurite captures -Create
    }

    AfterAll {
        if ($script:azurite) { Stop-KfAzurite $script:azurite }
    }

    It 'captures, encrypts and ships in one command' {
        Set-FakeKubeScenario $fake -CaptureSource $source.FullName -MaxCaptureSeconds 1
        $out = New-OutputDirectory
        $sent = Start-PodCapture web-0 -Namespace shop -Duration 2 -OutputDirectory $out -Recipient $script:public `
            -Destination 'captures' -ConnectionString $script:azurite.ConnectionString -BlobPrefix 'aks-test' @kc
        $sent.GetType().FullName | Should -Be 'KForensics.Core.Evidence.Storage.SentEvidence'
        $sent.Blob | Should -Match '^aks-test/capture-web-0-\d{8}T\d{6}Z\.scap\.gz\.gpg$'
        $local = Get-ChildItem $out -Filter '*.gpg'
        $sent.Sha256ReadBack | Should -Be (Sha $local.FullName)
        $meta = $script:container.GetBlobClient($sent.Blob).GetProperties().Value.Metadata
        $embedded = [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($meta['custodymanifest'])) | ConvertFrom-Json
        $embedded.kind | Should -Be 'PodCapture'
        $embedded.source.pod | Should -Be 'web-0'
        $script:container.GetBlobClient("$($sent.Blob).manifest.json").Exists().Value | Should -BeTrue
    }

    It 'refuses a missing container before any capture pod starts' {
        Set-FakeKubeScenario $fake -CaptureSource $source.FullName
        $before = (Get-CaptureEvents created).Count
        { Start-PodCapture web-0 -Namespace shop -Duration 1 -OutputDirectory (New-OutputDirectory) -Destination 'nope' -ConnectionString $script:azurite.ConnectionString @kc } |
            Should -Throw -ErrorId 'EvidenceContainerNotFound,KForensics.Commands.StartPodCaptureCommand'
        (Get-CaptureEvents created).Count | Should -Be $before
    }
}
