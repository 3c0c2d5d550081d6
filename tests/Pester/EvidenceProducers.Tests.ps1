# The producing cmdlets' -Recipient and -Destination: encrypted as written, shipped in the same pipeline.
BeforeAll {
    Import-Module $env:KF_MODULE_PATH -Force
    Import-Module (Join-Path $PSScriptRoot '../Setup/KForensics.TestSupport.psm1') -Force
    function Sha([string] $Path) { (Get-FileHash -LiteralPath $Path -Algorithm SHA256).Hash.ToLowerInvariant() }
    $script:gpg = New-KfGpgHome -Name curve
    $script:capture = Join-Path $TestDrive 'demo.scap'
    $null = New-KfDemoCapture -Path $script:capture
    $script:azurite = Start-KfAzurite
    $script:container = Get-KfAzuriteContainer $script:azurite exports -Create
}

AfterAll {
    if ($script:azurite) { Stop-KfAzurite $script:azurite }
    if ($script:gpg) { Remove-KfGpgHome $script:gpg }
}

Describe 'Export-ScapEvent -Recipient' {
    It 'writes only ciphertext, which gpg decrypts to the export the same command writes in the clear' {
        $dir = New-Item -ItemType Directory (Join-Path $TestDrive 'enc')
        $created = [System.Collections.Concurrent.ConcurrentBag[string]]::new()
        $watcher = [IO.FileSystemWatcher]::new($dir.FullName)
        $handler = Register-ObjectEvent $watcher Created -MessageData $created -Action { $Event.MessageData.Add($Event.SourceEventArgs.Name) }
        $watcher.EnableRaisingEvents = $true
        try {
            $p = Export-ScapEvent -InputPath $script:capture -Path (Join-Path $dir 'curl.scap.gz') -Filter 'proc.name=curl' -Recipient $script:gpg.Keys.curve.Public
            Start-Sleep -Milliseconds 500
        } finally { $watcher.EnableRaisingEvents = $false; Unregister-Event -SourceIdentifier $handler.Name; $watcher.Dispose() }

        $p.GetType().FullName | Should -Be 'KForensics.Core.Evidence.Protection.ProtectedEvidence'
        $p.Path | Should -Be (Join-Path $dir 'curl.scap.gz.gpg')
        $p.Source | Should -BeNullOrEmpty
        @(Get-ChildItem $dir -Name | Sort-Object) | Should -Be @('curl.scap.gz.gpg', 'curl.scap.gz.gpg.manifest.json')
        foreach ($name in $created) { $name | Should -Match '\.gpg(\.[0-9a-f]{8}\.partial|\.manifest\.json)?$' }

        $clear = (Export-ScapEvent -InputPath $script:capture -Path (Join-Path $TestDrive 'clear.scap.gz') -Filter 'proc.name=curl')
        $out = Join-Path $TestDrive 'decrypted.scap.gz'
        (Invoke-KfGpg $script:gpg @('--output', $out, '--decrypt', $p.Path)).ExitCode | Should -Be 0
        Sha $out | Should -Be $p.PlaintextSha256
        @(Get-ScapEvent -Path $out).Count | Should -Be $clear.EventCount
        $clear.EventCount | Should -BeGreaterThan 0

        $m = Get-Content -Raw $p.ManifestPath | ConvertFrom-Json
        $m.kind | Should -Be 'scap-export'
        $m.source.filter | Should -Be 'proc.name=curl'
        $m.protection.plaintextSha256 | Should -Be (Sha $out)
        $m.file.sha256 | Should -Be (Sha $p.Path)
    }

    It 'names the file .p7m when the recipient is a certificate, and openssl cms decrypts it to the recorded plaintext' {
        $pki = New-Item -ItemType Directory (Join-Path $TestDrive 'pki')
        $key = Join-Path $pki 'team.key.pem'; $cert = Join-Path $pki 'team.cert.pem'
        & openssl req -x509 -newkey rsa:2048 -nodes -keyout $key -out $cert -days 2 -subj '/CN=KForensics team' -addext 'keyUsage=critical,keyEncipherment' 2>$null
        $LASTEXITCODE | Should -Be 0
        $dir = New-Item -ItemType Directory (Join-Path $TestDrive 'cms')
        $p = Export-ScapEvent -InputPath $script:capture -Path (Join-Path $dir 'curl.scap.gz') -Filter 'proc.name=curl' -Recipient $cert
        $p.Path | Should -Be (Join-Path $dir 'curl.scap.gz.p7m')
        @(Get-ChildItem $dir -Name | Sort-Object) | Should -Be @('curl.scap.gz.p7m', 'curl.scap.gz.p7m.manifest.json')
        $out = Join-Path $TestDrive 'cms-decrypted.scap.gz'
        & openssl cms -decrypt -binary -inform DER -in $p.Path -inkey $key -out $out 2>$null
        $LASTEXITCODE | Should -Be 0
        Sha $out | Should -Be $p.PlaintextSha256
        @(Get-ScapEvent -Path $out -Filter 'proc.name=curl').Count | Should -BeGreaterThan 0
    }

    It 'checks the recipient and the encrypted target before reading anything' {
        { Export-ScapEvent -InputPath $script:capture -Path (Join-Path $TestDrive 'x.scap') -Filter 'proc.name=curl' -Recipient $script:capture } |
            Should -Throw -ErrorId 'EvidenceRecipientInvalid,KForensics.Commands.ExportScapEventCommand'
        Set-Content (Join-Path $TestDrive 'taken.scap.gpg') 'here'
        { Export-ScapEvent -InputPath $script:capture -Path (Join-Path $TestDrive 'taken.scap') -Filter 'proc.name=curl' -Recipient $script:gpg.Keys.curve.Public } |
            Should -Throw -ErrorId 'ScapExportTargetExists,KForensics.Commands.ExportScapEventCommand'
        Get-Content (Join-Path $TestDrive 'taken.scap.gpg') | Should -Be 'here'
    }
}

Describe 'Export-ScapEvent -Destination' {
    It 'encrypts, uploads and verifies in one command, the custody record going with it' {
        $dir = New-Item -ItemType Directory (Join-Path $TestDrive 'ship')
        $sent = Export-ScapEvent -InputPath $script:capture -Path (Join-Path $dir 'curl.scap') -Filter 'proc.name=curl' -Recipient $script:gpg.Keys.curve.Public `
            -Destination 'exports' -ConnectionString $script:azurite.ConnectionString -BlobPrefix 'incident-42'
        $sent.GetType().FullName | Should -Be 'KForensics.Core.Evidence.Storage.SentEvidence'
        $sent.Blob | Should -Be 'incident-42/curl.scap.gpg'
        $sent.Sha256ReadBack | Should -Be (Sha (Join-Path $dir 'curl.scap.gpg'))
        $meta = $script:container.GetBlobClient('incident-42/curl.scap.gpg').GetProperties().Value.Metadata
        $local = Get-Content -Raw (Join-Path $dir 'curl.scap.gpg.manifest.json') | ConvertFrom-Json
        $meta['plaintextsha256'] | Should -Be $local.protection.plaintextSha256
        $script:container.GetBlobClient('incident-42/curl.scap.gpg.manifest.json').Exists().Value | Should -BeTrue
    }

    It 'uploads a clear export with a manifest naming the filter' {
        $sent = Export-ScapEvent -InputPath $script:capture -Path (Join-Path $TestDrive 'plain-ship.scap') -Filter 'proc.name=curl' `
            -Destination 'exports' -ConnectionString $script:azurite.ConnectionString
        $sent.Sha256ReadBack | Should -Be (Sha (Join-Path $TestDrive 'plain-ship.scap'))
        $stream = [IO.MemoryStream]::new()
        $null = $script:container.GetBlobClient('plain-ship.scap.manifest.json').DownloadTo($stream)
        $m = [Text.Encoding]::UTF8.GetString($stream.ToArray()) | ConvertFrom-Json
        $m.kind | Should -Be 'scap-export'
        $m.source.filter | Should -Be 'proc.name=curl'
        $m.storage.sha256ReadBack | Should -Be $sent.Sha256
    }

    It 'stops before reading when the container does not exist' {
        { Export-ScapEvent -InputPath $script:capture -Path (Join-Path $TestDrive 'nowhere.scap') -Filter 'proc.name=curl' -Destination 'missing' -ConnectionString $script:azurite.ConnectionString } |
            Should -Throw -ErrorId 'EvidenceContainerNotFound,KForensics.Commands.ExportScapEventCommand'
        Test-Path (Join-Path $TestDrive 'nowhere.scap') | Should -BeFalse
    }
}
