# Send-Evidence against Azurite, a real Blob endpoint started on loopback for these tests.
BeforeAll {
    Import-Module $env:KF_MODULE_PATH -Force
    Import-Module (Join-Path $PSScriptRoot '../Setup/KForensics.TestSupport.psm1') -Force
    function Sha([string] $Path) { (Get-FileHash -LiteralPath $Path -Algorithm SHA256).Hash.ToLowerInvariant() }

    # Runs Send-Evidence in another runspace of this process, so its progress records can be read and it can be stopped.
    function Start-Send([hashtable] $Parameters) {
        $runspace = [runspacefactory]::CreateRunspace()
        $runspace.Open()
        $import = [powershell]::Create()
        $import.Runspace = $runspace
        $null = $import.AddCommand('Import-Module').AddParameter('Name', $env:KF_MODULE_PATH).Invoke()
        $import.Dispose()
        $ps = [powershell]::Create()
        $ps.Runspace = $runspace
        $null = $ps.AddCommand('Send-Evidence').AddParameters($Parameters)
        [pscustomobject]@{ Shell = $ps; Handle = $ps.BeginInvoke(); Runspace = $runspace }
    }

    function Close-Send($Run) {
        $Run.Shell.Dispose()
        $Run.Runspace.Dispose()
    }

    function Read-BlobText($Container, [string] $Name) {
        $stream = [IO.MemoryStream]::new()
        $null = $Container.GetBlobClient($Name).DownloadTo($stream)
        [Text.Encoding]::UTF8.GetString($stream.ToArray())
    }

    $script:azurite = Start-KfAzurite
    $script:cs = $script:azurite.ConnectionString
    $script:container = Get-KfAzuriteContainer $script:azurite evidence -Create
    $script:small = (New-KfRandomFile (Join-Path $TestDrive 'small.bin') 3MB).FullName
}

AfterAll {
    if ($script:azurite) { Stop-KfAzurite $script:azurite }
}

Describe 'Send-Evidence' {
    It 'uploads a 1 GiB capture in blocks with progress, reads it back and stores its hash and manifest' {
        $big = (New-KfRandomFile (Join-Path $TestDrive 'capture-1g.scap.gz') 1GB).FullName
        $sha = Sha $big
        try {
            $run = Start-Send @{ Path = $big; Destination = 'evidence'; ConnectionString = $script:cs }
            $result = $run.Shell.EndInvoke($run.Handle)
            $run.Shell.Streams.Error | Should -BeNullOrEmpty
            $progress = @($run.Shell.Streams.Progress | Where-Object RecordType -eq 'Processing')
            Close-Send $run

            @($result).Count | Should -Be 1
            $r = $result[0]
            $r.GetType().FullName | Should -Be 'KForensics.Core.Evidence.Storage.SentEvidence'
            $r.Sha256 | Should -Be $sha
            $r.Sha256ReadBack | Should -Be $sha
            $r.Bytes | Should -Be 1GB
            $r.Blocks | Should -Be 128
            $r.BlocksResumed | Should -Be 0
            Write-Host ("Send-Evidence 1 GiB to Azurite: {0:N1} s with the read-back ({1:N0} MiB/s)" -f $r.Duration.TotalSeconds, (1024 / $r.Duration.TotalSeconds))

            # Progress covered the upload and the read-back, rising.
            $uploading = @($progress | Where-Object StatusDescription -like 'Uploading*')
            $verifying = @($progress | Where-Object StatusDescription -like 'Verifying*')
            $uploading.Count | Should -BeGreaterThan 3
            $verifying.Count | Should -BeGreaterThan 0
            $uploading[-1].PercentComplete | Should -BeGreaterThan $uploading[0].PercentComplete

            $props = $script:container.GetBlobClient('capture-1g.scap.gz').GetProperties().Value
            $props.ContentLength | Should -Be 1GB
            $props.Metadata['sha256'] | Should -Be $sha
            $props.Metadata['bytes'] | Should -Be "$(1GB)"
            $embedded = [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($props.Metadata['custodymanifest'])) | ConvertFrom-Json
            $embedded.file.sha256 | Should -Be $sha
            $manifest = Read-BlobText $script:container 'capture-1g.scap.gz.manifest.json' | ConvertFrom-Json
            $manifest.storage.sha256ReadBack | Should -Be $sha
            $manifest.storage.blob | Should -Be 'capture-1g.scap.gz'
            $manifest.storage.url | Should -Not -Match '\?'

            # The same upload in a fresh process, for its peak working set (blocks in flight are the only large buffers).
            $send = "Send-Evidence -LiteralPath '$big' -Destination evidence -ConnectionString '$($script:cs)' -BlobPrefix memory | Out-Null"
            $peak = Get-KfPeakWorkingSet -ModulePath $env:KF_MODULE_PATH -Script $send
            Write-Host ("Send-Evidence 1 GiB: working set after import {0:N0} MiB, peak {1:N0} MiB" -f ($peak.Baseline / 1MB), ($peak.Peak / 1MB))
            # What the upload adds to the imported module: about five blocks of 8 MiB and the SDK's own buffers.
            ($peak.Peak - $peak.Baseline) | Should -BeLessThan 96MB
            $script:container.GetBlobClient('memory/capture-1g.scap.gz').GetProperties().Value.Metadata['sha256'] | Should -Be $sha
        } finally { Remove-Item $big -Force }
    }

    It 'resumes an interrupted upload from the blocks already staged' {
        $file = (New-KfRandomFile (Join-Path $TestDrive 'resume.bin') 256MB).FullName
        $run = Start-Send @{ Path = $file; Destination = 'evidence'; ConnectionString = $script:cs; BlockSize = 1 }
        $deadline = [DateTime]::UtcNow.AddSeconds(60)
        while (-not @($run.Shell.Streams.Progress | Where-Object { $_.StatusDescription -like 'Uploading*' -and $_.PercentComplete -ge 10 }) -and [DateTime]::UtcNow -lt $deadline) {
            Start-Sleep -Milliseconds 20
        }
        $run.Shell.Stop()
        $run.Shell.InvocationStateInfo.State | Should -Be 'Stopped'
        Close-Send $run

        $blob = $script:container.GetBlobClient('resume.bin')
        $blob.Exists().Value | Should -BeFalse -Because 'nothing is committed before every block is staged'
        $blobs = Get-KfModuleDependency 'Azure.Storage.Blobs'
        $blockBlob = $blobs.GetType('Azure.Storage.Blobs.Specialized.SpecializedBlobExtensions', $true).GetMethod('GetBlockBlobClient').Invoke($null, @($script:container, 'resume.bin'))
        $uncommitted = [Enum]::Parse($blobs.GetType('Azure.Storage.Blobs.Models.BlockListTypes', $true), 'Uncommitted')
        $staged = @($blockBlob.GetBlockList($uncommitted, $null, $null, [Threading.CancellationToken]::None).Value.UncommittedBlocks)
        $staged.Count | Should -BeGreaterThan 0
        $staged.Count | Should -BeLessThan 256

        $r = Send-Evidence -Path $file -Destination 'evidence' -ConnectionString $script:cs -BlockSize 1
        $r.BlocksResumed | Should -BeGreaterThan 0
        $r.BlocksResumed | Should -BeLessThan 256
        $r.Blocks | Should -Be 256
        $r.Sha256ReadBack | Should -Be (Sha $file)
        Remove-Item $file
    }

    It 'detects a staged block that changed in storage, reports it and deletes the blob' {
        # An instance of its own, so its storage files hold this upload's blocks only.
        $own = Start-KfAzurite
        try {
            $c = Get-KfAzuriteContainer $own evidence -Create
            $file = (New-KfRandomFile (Join-Path $TestDrive 'corrupt.bin') 64MB).FullName
            $run = Start-Send @{ Path = $file; Destination = 'evidence'; ConnectionString = $own.ConnectionString; BlockSize = 1 }
            $deadline = [DateTime]::UtcNow.AddSeconds(60)
            while (-not @($run.Shell.Streams.Progress | Where-Object { $_.StatusDescription -like 'Uploading*' -and $_.PercentComplete -ge 20 }) -and [DateTime]::UtcNow -lt $deadline) {
                Start-Sleep -Milliseconds 10
            }
            $run.Shell.Stop(); Close-Send $run

            # Flip a byte inside every extent file Azurite keeps staged blocks in: the blocks are now not the file's.
            $extents = @(Get-ChildItem (Join-Path $own.Location '__blobstorage__') -File | Where-Object Length -gt 1MB)
            $extents.Count | Should -BeGreaterThan 0
            foreach ($x in $extents) {
                $fs = [IO.File]::Open($x.FullName, 'Open', 'ReadWrite')
                try { $fs.Position = 4096; $b = $fs.ReadByte(); $fs.Position = 4096; $fs.WriteByte($b -bxor 0xFF) } finally { $fs.Dispose() }
            }

            Send-Evidence -Path $file -Destination 'evidence' -ConnectionString $own.ConnectionString -BlockSize 1 -ErrorVariable e -ErrorAction SilentlyContinue |
                Should -BeNullOrEmpty
            $e[0].FullyQualifiedErrorId | Should -Be 'EvidenceUploadHashMismatch,KForensics.Commands.SendEvidenceCommand'
            "$($e[0])" | Should -Match 'read back has SHA-256'
            "$($e[0])" | Should -Match 'deleted'
            $c.GetBlobClient('corrupt.bin').Exists().Value | Should -BeFalse
            $c.GetBlobClient('corrupt.bin.manifest.json').Exists().Value | Should -BeFalse

            # Sent again from scratch, it lands whole.
            (Send-Evidence -Path $file -Destination 'evidence' -ConnectionString $own.ConnectionString).Sha256ReadBack | Should -Be (Sha $file)
        } finally { Stop-KfAzurite $own }
    }

    It 'refuses to replace an existing blob without -Force, and replaces it with -Force' {
        $first = Send-Evidence -Path $script:small -Destination 'evidence' -ConnectionString $script:cs
        $etag = $script:container.GetBlobClient('small.bin').GetProperties().Value.ETag
        Send-Evidence -Path $script:small -Destination 'evidence' -ConnectionString $script:cs -ErrorVariable e -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $e[0].FullyQualifiedErrorId | Should -Be 'EvidenceBlobExists,KForensics.Commands.SendEvidenceCommand'
        "$($e[0])" | Should -Match '-Force'
        $script:container.GetBlobClient('small.bin').GetProperties().Value.ETag | Should -Be $etag
        $again = Send-Evidence -Path $script:small -Destination 'evidence' -ConnectionString $script:cs -Force
        $again.ETag | Should -Not -Be $first.ETag
        $again.Sha256ReadBack | Should -Be (Sha $script:small)
    }

    It 'refuses a SAS without write permission with a clear error, before sending anything' {
        $sas = New-KfAzuriteSas $script:azurite evidence 'rl'
        { Send-Evidence -Path $script:small -Destination "$($script:azurite.BlobEndpoint)/evidence?$sas" -BlobPrefix 'readonly' } |
            Should -Throw -ErrorId 'EvidenceStorageForbidden,KForensics.Commands.SendEvidenceCommand' -ExpectedMessage "*grants 'rl'*w (write)*"
        $script:container.GetBlobClient('readonly/small.bin').Exists().Value | Should -BeFalse
    }

    It 'reports a blob leased by another client as EvidenceUploadFailed, even with -Force, and leaves it as it was' {
        $first = Send-Evidence -Path $script:small -Destination 'evidence' -ConnectionString $script:cs -BlobPrefix 'leased'
        $blob = $script:container.GetBlobClient('leased/small.bin')
        $extensions = (Get-KfModuleDependency 'Azure.Storage.Blobs').GetType('Azure.Storage.Blobs.Specialized.SpecializedBlobExtensions', $true)
        $method = $extensions.GetMethods() | Where-Object { $_.Name -eq 'GetBlobLeaseClient' -and $_.GetParameters()[0].ParameterType.Name -eq 'BlobBaseClient' }
        $lease = $method.Invoke($null, @($blob, [guid]::NewGuid().ToString()))
        $null = $lease.Acquire([TimeSpan]::FromSeconds(-1), $null, [Threading.CancellationToken]::None)
        try {
            Send-Evidence -Path $script:small -Destination 'evidence' -ConnectionString $script:cs -BlobPrefix 'leased' -Force -ErrorVariable e -ErrorAction SilentlyContinue |
                Should -BeNullOrEmpty
            $e.Count | Should -Be 1
            $e[0].FullyQualifiedErrorId | Should -Be 'EvidenceUploadFailed,KForensics.Commands.SendEvidenceCommand'
            $e[0].CategoryInfo.Category | Should -Be 'WriteError'
            "$($e[0])" | Should -Match 'leased by another client \(Lease'
            $blob.GetProperties().Value.ETag | Should -Be $first.ETag
        } finally { $null = $lease.Release($null, [Threading.CancellationToken]::None) }
    }

    It 'reports a retention or hold the service did not apply as EvidenceRetentionNotApplied, the blob stored and its manifest beside it' {
        # Azurite accepts the commit's immutability headers and keeps no policy (it lists immutability policies and legal
        # holds among what it does not support): the blob comes back without one, as from a container without version-level WORM.
        $until = [DateTime]::UtcNow.AddDays(30)
        Send-Evidence -Path $script:small -Destination 'evidence' -ConnectionString $script:cs -BlobPrefix 'retain' -RetainUntil $until -LegalHold `
            -ErrorVariable e -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $e.Count | Should -Be 1
        $e[0].FullyQualifiedErrorId | Should -Be 'EvidenceRetentionNotApplied,KForensics.Commands.SendEvidenceCommand'
        "$($e[0])" | Should -Match ([regex]::Escape($until.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", [cultureinfo]::InvariantCulture)))
        "$($e[0])" | Should -Match 'legal hold'
        "$($e[0])" | Should -Match 'not protected from change or deletion'
        "$($e[0])" | Should -Match (Sha $script:small)
        $props = $script:container.GetBlobClient('retain/small.bin').GetProperties().Value
        $props.Metadata['sha256'] | Should -Be (Sha $script:small)
        $props.HasLegalHold | Should -BeFalse
        $props.ImmutabilityPolicy.ExpiresOn | Should -BeNullOrEmpty
        (Read-BlobText $script:container 'retain/small.bin.manifest.json' | ConvertFrom-Json).storage.immutability | Should -Be 'none'

        # Without either, the state is reported as the service gives it: none, for the blob and its container.
        $plain = Send-Evidence -Path $script:small -Destination 'evidence' -ConnectionString $script:cs -BlobPrefix 'plain' -Verbose 4>&1
        (($plain | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Message -join "`n") | Should -Match 'immutability: none'
        ($plain | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] }).Immutability | Should -Be 'none'
    }

    It 'uploads with a SAS that grants rcw and never records the SAS' {
        $sas = New-KfAzuriteSas $script:azurite evidence 'rcw'
        $r = Send-Evidence -Path $script:small -Destination "$($script:azurite.BlobEndpoint)/evidence?$sas" -BlobPrefix 'sas/'
        $r.Authentication | Should -Be 'SAS'
        $r.Blob | Should -Be 'sas/small.bin'
        $r.Uri | Should -Not -Match 'sig='
        $r.Sha256ReadBack | Should -Be (Sha $script:small)
        Read-BlobText $script:container 'sas/small.bin.manifest.json' | Should -Not -Match 'sig='
    }

    It 'lets the Azure SDK''s own log reach -Debug, one line per request and response, with the SAS signature redacted' {
        $sas = New-KfAzuriteSas $script:azurite evidence 'rcw'
        $signature = [uri]::UnescapeDataString(([regex]::Match($sas, '(?:^|&)sig=([^&]+)')).Groups[1].Value)
        $signature | Should -Not -BeNullOrEmpty
        # What -Debug shows (in this non-interactive host -Debug would ask whether to go on).
        $DebugPreference = 'Continue'
        $out = @(Send-Evidence -Path $script:small -Destination "$($script:azurite.BlobEndpoint)/evidence?$sas" -BlobPrefix 'logged/' 5>&1)
        @($out | Where-Object { $_ -isnot [System.Management.Automation.DebugRecord] }).Blob | Should -Be 'logged/small.bin'
        $lines = @($out | Where-Object { $_ -is [System.Management.Automation.DebugRecord] } | ForEach-Object Message)
        @($lines | Where-Object { $_ -match '^\[Azure\] Request \[[0-9a-f-]+\] PUT http://\S+/evidence/logged/small\.bin' }).Count | Should -BeGreaterThan 0 -Because ($lines -join "`n")
        @($lines | Where-Object { $_ -match '^\[Azure\] Response \[[0-9a-f-]+\] 201 ' }).Count | Should -BeGreaterThan 0 -Because ($lines -join "`n")
        $lines | ForEach-Object { $_ | Should -Not -Match ([regex]::Escape($signature)) }
    }

    It 'names a SAS the service refuses, a missing container and an unreachable endpoint' {
        $other = New-KfAzuriteSas $script:azurite other 'rcw'
        Send-Evidence -Path $script:small -Destination "$($script:azurite.BlobEndpoint)/evidence?$other" -BlobPrefix 'wrongsas' -ErrorVariable e -ErrorAction SilentlyContinue |
            Should -BeNullOrEmpty
        $e[0].FullyQualifiedErrorId | Should -BeIn @('EvidenceStorageUnauthorized,KForensics.Commands.SendEvidenceCommand', 'EvidenceStorageForbidden,KForensics.Commands.SendEvidenceCommand')
        { Send-Evidence -Path $script:small -Destination 'missing' -ConnectionString $script:cs } |
            Should -Throw -ErrorId 'EvidenceContainerNotFound,KForensics.Commands.SendEvidenceCommand'
        $closed = Get-KfFreePort
        $dead = $script:cs -replace 'BlobEndpoint=[^;]+', "BlobEndpoint=http://127.0.0.1:$closed/$($script:azurite.Account)"
        { Send-Evidence -Path $script:small -Destination 'evidence' -ConnectionString $dead } |
            Should -Throw -ErrorId 'EvidenceStorageConnectionFailed,KForensics.Commands.SendEvidenceCommand'
        { Send-Evidence -Path $script:small -Destination 'not a url' } |
            Should -Throw -ErrorId 'EvidenceDestinationInvalid,KForensics.Commands.SendEvidenceCommand'
    }

    It 'takes encrypted evidence from Protect-Evidence and stores the plaintext hash beside the ciphertext''s' {
        $gpg = New-KfGpgHome -Name curve
        try {
            $p = Protect-Evidence -Path $script:small -Recipient $gpg.Keys.curve.Public -OutputDirectory (Join-Path $TestDrive 'enc')
            $r = $p | Send-Evidence -Destination 'evidence' -ConnectionString $script:cs -BlobPrefix 'encrypted'
            $r.Sha256ReadBack | Should -Be $p.Sha256
            $meta = $script:container.GetBlobClient('encrypted/small.bin.gpg').GetProperties().Value.Metadata
            $meta['plaintextsha256'] | Should -Be (Sha $script:small)
            $m = Read-BlobText $script:container 'encrypted/small.bin.gpg.manifest.json' | ConvertFrom-Json
            $m.protection.plaintextSha256 | Should -Be (Sha $script:small)
            $m.storage.sha256ReadBack | Should -Be $p.Sha256
        } finally { Remove-KfGpgHome $gpg }
    }

    It 'sends files from Get-ChildItem one by one and nothing under -WhatIf' {
        $dir = New-Item -ItemType Directory (Join-Path $TestDrive 'many')
        1..3 | ForEach-Object { Set-Content (Join-Path $dir "f$_.txt") "file $_" }
        Get-ChildItem $dir | Send-Evidence -Destination 'evidence' -ConnectionString $script:cs -BlobPrefix 'whatif' -WhatIf | Should -BeNullOrEmpty
        $script:container.GetBlobClient('whatif/f1.txt').Exists().Value | Should -BeFalse
        $sent = Get-ChildItem $dir | Send-Evidence -Destination 'evidence' -ConnectionString $script:cs -BlobPrefix 'many'
        @($sent).Count | Should -Be 3
        $sent.Blob | Should -Be @('many/f1.txt', 'many/f2.txt', 'many/f3.txt')
    }
}

Describe 'Send-Evidence signed in with a managed identity' {
    # Azurite over HTTPS with --oauth basic, and a managed identity endpoint as an Automation sandbox has one
    # (IDENTITY_ENDPOINT, IDENTITY_HEADER). Send-Evidence runs in a pwsh of its own, whose environment holds that
    # endpoint and whose certificate store (SSL_CERT_FILE) trusts Azurite's certificate, as a runbook's trusts Azure's.
    BeforeAll {
        $script:tls = Start-KfAzurite -OAuth
        $script:tlsContainer = Get-KfAzuriteContainer $script:tls evidence -Create
        $script:identity = Start-KfIdentityEndpoint -Token (New-KfAccessToken)
        $script:url = "$($script:tls.BlobEndpoint)/evidence"
        function Invoke-Send([string] $Arguments, $Identity = $script:identity) {
            $script = "`$r = `$null; `$e = `$null; try { `$r = Send-Evidence $Arguments -ErrorAction Stop } catch { `$e = `$_ }; " +
                "[pscustomobject]@{ Sent = `$r | Select-Object Authentication, Blob, Sha256, Sha256ReadBack, Immutability; ErrorId = `$e.FullyQualifiedErrorId; Message = `"`$e`" } | ConvertTo-Json -Compress -Depth 3"
            Invoke-KfIsolatedModule -ModulePath $env:KF_MODULE_PATH -Script $script -Environment @{
                IDENTITY_ENDPOINT = $Identity.Endpoint; IDENTITY_HEADER = $Identity.Header; SSL_CERT_FILE = $script:tls.CertificatePath }
        }
    }

    AfterAll {
        if ($script:identity) { Stop-KfIdentityEndpoint $script:identity }
        if ($script:tls) { Stop-KfAzurite $script:tls }
    }

    It 'gets a storage token from the identity endpoint and uploads over HTTPS with it' {
        $r = Invoke-Send "-LiteralPath '$($script:small)' -Destination '$($script:url)' -BlobPrefix mi"
        $r.ErrorId | Should -BeNullOrEmpty -Because $r.Message
        $r.Sent.Authentication | Should -Be 'DefaultAzureCredential'
        $r.Sent.Blob | Should -Be 'mi/small.bin'
        $r.Sent.Sha256ReadBack | Should -Be (Sha $script:small)
        $asked = @($script:identity.Requests | Where-Object Resource -eq 'https://storage.azure.com')
        $asked.Count | Should -BeGreaterThan 0
        $asked | ForEach-Object { $_.Authentic | Should -BeTrue; $_.ApiVersion | Should -Be '2019-08-01'; $_.ClientId | Should -BeNullOrEmpty }
        $props = $script:tlsContainer.GetBlobClient('mi/small.bin').GetProperties().Value
        $props.Metadata['sha256'] | Should -Be (Sha $script:small)
        $script:tlsContainer.GetBlobClient('mi/small.bin.manifest.json').Exists().Value | Should -BeTrue
    }

    It 'asks the endpoint for the user-assigned identity -ManagedIdentityClientId names' {
        $clientId = [guid]::NewGuid().ToString()
        $r = Invoke-Send "-LiteralPath '$($script:small)' -Destination '$($script:url)' -BlobPrefix user-assigned -ManagedIdentityClientId $clientId"
        $r.ErrorId | Should -BeNullOrEmpty -Because $r.Message
        $r.Sent.Sha256ReadBack | Should -Be (Sha $script:small)
        @($script:identity.Requests | Where-Object ClientId -eq $clientId).Count | Should -BeGreaterThan 0
    }

    It 'stops with EvidenceStorageUnauthorized, before anything is sent, when the account refuses the token' {
        # A token the identity endpoint hands out for another service (Key Vault): Azurite checks the audience.
        $vault = Start-KfIdentityEndpoint -Token (New-KfAccessToken -Audience 'https://vault.azure.net')
        try {
            $r = Invoke-Send "-LiteralPath '$($script:small)' -Destination '$($script:url)' -BlobPrefix refused" -Identity $vault
            $r.ErrorId | Should -Be 'EvidenceStorageUnauthorized,KForensics.Commands.SendEvidenceCommand'
            $r.Message | Should -Match 'refused the credential \(DefaultAzureCredential, AuthenticationFailed\)'
            @($vault.Requests | Where-Object { $_.Authentic -and $_.Resource -eq 'https://storage.azure.com' }).Count | Should -BeGreaterThan 0
            $script:tlsContainer.GetBlobClient('refused/small.bin').Exists().Value | Should -BeFalse
        } finally { Stop-KfIdentityEndpoint $vault }
    }

    It 'stops with EvidenceStorageUnauthorized, naming the managed identity, when the identity endpoint <why>' -ForEach @(
        @{ why = 'refuses the sandbox''s secret'; wrongHeader = $true }
        @{ why = 'cannot be reached'; wrongHeader = $false }
    ) {
        $identity = if ($wrongHeader) {
            [pscustomobject]@{ Endpoint = $script:identity.Endpoint; Header = 'not-the-secret' }
        } else {
            [pscustomobject]@{ Endpoint = "http://127.0.0.1:$(Get-KfFreePort)/msi/token"; Header = $script:identity.Header }
        }
        $seen = $script:identity.Requests.Count
        $blob = "no-identity-$(if ($wrongHeader) { 'secret' } else { 'endpoint' })"
        $r = Invoke-Send "-LiteralPath '$($script:small)' -Destination '$($script:url)' -BlobPrefix $blob" -Identity $identity
        $r.ErrorId | Should -Be 'EvidenceStorageUnauthorized,KForensics.Commands.SendEvidenceCommand'
        $r.Message | Should -Match 'Signing in to .* failed \(DefaultAzureCredential\)'
        $r.Message | Should -Match 'ManagedIdentityCredential'
        $asked = @($script:identity.Requests.ToArray() | Select-Object -Skip $seen)
        if ($wrongHeader) {
            $asked.Count | Should -BeGreaterThan 0
            $asked | ForEach-Object { $_.Authentic | Should -BeFalse }
        } else {
            $asked.Count | Should -Be 0
        }
        $script:tlsContainer.GetBlobClient("$blob/small.bin").Exists().Value | Should -BeFalse
    }
}
