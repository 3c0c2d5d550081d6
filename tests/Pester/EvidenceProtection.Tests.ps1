# Protect-Evidence and Unprotect-Evidence against GnuPG, the third-party reader of the format.
BeforeAll {
    Import-Module $env:KF_MODULE_PATH -Force
    Import-Module (Join-Path $PSScriptRoot '../Setup/KForensics.TestSupport.psm1') -Force
    if (-not (Get-Command gpg -CommandType Application -ErrorAction SilentlyContinue)) { throw 'gpg is not installed: run ./build.ps1 -Task Bootstrap.' }
    $script:gpg = New-KfGpgHome -Name curve, rsa, other
    $script:keys = $script:gpg.Keys
    function Sha([string] $Path) { (Get-FileHash -LiteralPath $Path -Algorithm SHA256).Hash.ToLowerInvariant() }
    $script:plain = (New-KfRandomFile (Join-Path $TestDrive 'memory.bin') 8MB).FullName
    $script:plainSha = Sha $script:plain
}

AfterAll {
    if ($script:gpg) { Remove-KfGpgHome $script:gpg }
}

Describe 'Protect-Evidence' {
    It 'encrypts to two keys, and gpg decrypts with either to the same SHA-256' {
        $r = Protect-Evidence -Path $script:plain -Recipient $script:keys.curve.Public, $script:keys.rsa.Public
        $r.GetType().FullName | Should -Be 'KForensics.Core.Evidence.Protection.ProtectedEvidence'
        $r.Path | Should -Be "$($script:plain).gpg"
        $r.PlaintextSha256 | Should -Be $script:plainSha
        $r.PlaintextBytes | Should -Be 8MB
        $r.Sha256 | Should -Be (Sha $r.Path)
        $r.Bytes | Should -Be (Get-Item $r.Path).Length
        $r.Recipients.Count | Should -Be 2
        foreach ($k in 'curve', 'rsa') {
            $only = New-KfGpgHome -Name $k
            try {
                # A home that holds only this key's secret: gpg must use this very key.
                & gpg --homedir $only.Home --batch --import $script:keys[$k].Secret 2>$null
                $out = Join-Path $TestDrive "gpg-$k.bin"
                $g = Invoke-KfGpg $only @('--output', $out, '--decrypt', $r.Path)
                $g.ExitCode | Should -Be 0 -Because $g.Output
                Sha $out | Should -Be $script:plainSha
                $g.Output | Should -Match ([regex]::Escape($script:keys[$k].Email))
            } finally { Remove-KfGpgHome $only }
        }
    }

    It 'records both hashes and the recipients in the custody manifest beside the file' {
        $r = Protect-Evidence -Path $script:plain -Recipient $script:keys.curve.Public -OutputDirectory (Join-Path $TestDrive 'manifest')
        $m = Get-Content -Raw $r.ManifestPath | ConvertFrom-Json
        $m.file.name | Should -Be 'memory.bin.gpg'
        $m.file.sha256 | Should -Be (Sha $r.Path)
        $m.protection.plaintextSha256 | Should -Be $script:plainSha
        $m.protection.ciphertextSha256 | Should -Be (Sha $r.Path)
        $m.protection.recipients[0].primaryFingerprint | Should -Be $script:keys.curve.Fingerprint
        $m.kind | Should -Be 'file'
    }

    It 'carries the provenance of a manifest beside the file, and refuses a file that no longer matches it' {
        $dir = New-Item -ItemType Directory (Join-Path $TestDrive 'prov')
        $file = Join-Path $dir 'capture-web-20261203T100000Z.scap.gz'
        Copy-Item $script:plain $file
        $manifest = [ordered]@{ schema = 'kforensics.custody/1'; kind = 'pod-capture'; tool = 'KForensics'; toolVersion = '0.1.0'; operator = 'analyst'
            workstation = 'ws1'; startTimeUtc = '2026-12-03T10:00:00Z'; endTimeUtc = '2026-12-03T10:02:00Z'; acquiredTimeUtc = '2026-12-03T10:02:05Z'
            file = @{ name = 'capture-web-20261203T100000Z.scap.gz'; bytes = 8MB; sha256AtSource = $script:plainSha; sha256 = $script:plainSha }
            source = @{ pod = 'web-0'; namespace = 'shop' } }
        $manifest | ConvertTo-Json -Depth 5 | Set-Content (Join-Path $dir 'capture-web-20261203T100000Z.manifest.json')
        $r = Protect-Evidence -LiteralPath $file -Recipient $script:keys.curve.Public
        $m = Get-Content -Raw $r.ManifestPath | ConvertFrom-Json
        $m.kind | Should -Be 'pod-capture'
        $m.source.pod | Should -Be 'web-0'
        $m.operator | Should -Be 'analyst'
        $m.protection.plaintextSha256 | Should -Be $script:plainSha

        # The evidence changed after acquisition: nothing is written.
        Remove-Item $r.Path, $r.ManifestPath
        [IO.File]::WriteAllBytes($file, [byte[]](1, 2, 3))
        Protect-Evidence -LiteralPath $file -Recipient $script:keys.curve.Public -ErrorVariable e -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $e[0].FullyQualifiedErrorId | Should -BeLike 'EvidenceManifestMismatch,*'
        Get-ChildItem $dir -Filter '*.gpg*' | Should -BeNullOrEmpty
    }

    It 'takes files from Get-Item and Get-ChildItem, refuses an existing target per file, and writes nothing under -WhatIf' {
        $dir = New-Item -ItemType Directory (Join-Path $TestDrive 'pipe')
        $a = Join-Path $dir 'a.bin'; $b = Join-Path $dir 'b.bin'
        Set-Content $a 'alpha'; Set-Content $b 'bravo'
        Get-Item $a | Protect-Evidence -Recipient $script:keys.curve.Public -WhatIf | Should -BeNullOrEmpty
        Test-Path "$a.gpg" | Should -BeFalse
        Set-Content "$a.gpg" 'already here'
        $out = Get-ChildItem $dir -Filter '*.bin' | Protect-Evidence -Recipient $script:keys.curve.Public -ErrorVariable e -ErrorAction SilentlyContinue
        @($out).Count | Should -Be 1
        $out.Path | Should -Be "$b.gpg"
        $e[0].FullyQualifiedErrorId | Should -BeLike 'EvidenceTargetExists,*'
        Get-Content "$a.gpg" | Should -Be 'already here'
        (Get-Item $a | Protect-Evidence -Recipient $script:keys.curve.Public -Force).PlaintextSha256 | Should -Be (Sha $a)
    }

    It 'stops before any file on a recipient that is not an OpenPGP public key' {
        $bad = Join-Path $TestDrive 'not-a-key.asc'
        Set-Content $bad 'hello'
        { Protect-Evidence -Path $script:plain -Recipient $bad -OutputDirectory (Join-Path $TestDrive 'bad') } |
            Should -Throw -ErrorId 'EvidenceRecipientInvalid,KForensics.Commands.ProtectEvidenceCommand'
        { Protect-Evidence -Path $script:plain -Recipient $script:keys.curve.Secret -OutputDirectory (Join-Path $TestDrive 'bad') } |
            Should -Throw -ErrorId 'EvidenceRecipientInvalid,KForensics.Commands.ProtectEvidenceCommand'
        Test-Path (Join-Path $TestDrive 'bad/memory.bin.gpg') | Should -BeFalse
    }

    It 'takes an armored key block as text' {
        $text = Get-Content -Raw $script:keys.rsa.Public
        $r = Protect-Evidence -Path $script:plain -Recipient $text -OutputDirectory (Join-Path $TestDrive 'armored')
        $r.Recipients[0] | Should -Match $script:keys.rsa.Fingerprint
    }
}

Describe 'Unprotect-Evidence' {
    It 'decrypts what gpg encrypted (compressed, uncompressed and armored) to the same SHA-256' {
        $cases = @(@{ Name = 'zip'; Args = @() }, @{ Name = 'none'; Args = @('--compress-algo', 'none') }, @{ Name = 'armor'; Args = @('--armor') })
        foreach ($case in $cases) {
            $enc = Join-Path $TestDrive "gpg-$($case.Name).bin.gpg"
            $g = Invoke-KfGpg $script:gpg (@('--output', $enc, '--recipient', $script:keys.rsa.Email) + $case.Args + @('--encrypt', $script:plain))
            $g.ExitCode | Should -Be 0 -Because $g.Output
            $r = Unprotect-Evidence -Path $enc -Key $script:keys.rsa.Secret
            $r.Path | Should -Be (Join-Path $TestDrive "gpg-$($case.Name).bin")
            $r.Sha256 | Should -Be $script:plainSha
            Sha $r.Path | Should -Be $script:plainSha
            $r.SourceSha256 | Should -Be (Sha $enc)
            $r.ManifestVerified | Should -BeFalse
        }
    }

    It 'round-trips its own files through the pipeline and checks them against their manifest' {
        $r = Protect-Evidence -Path $script:plain -Recipient $script:keys.curve.Public -OutputDirectory (Join-Path $TestDrive 'rt') |
            Unprotect-Evidence -Key $script:keys.curve.Secret -OutputDirectory (Join-Path $TestDrive 'rt-out')
        $r.GetType().FullName | Should -Be 'KForensics.Core.Evidence.Protection.UnprotectedEvidence'
        $r.ManifestVerified | Should -BeTrue
        Sha $r.Path | Should -Be $script:plainSha
        (Get-Content -Raw $r.ManifestPath | ConvertFrom-Json).file.sha256 | Should -Be $script:plainSha
    }

    It 'refuses the wrong key and writes nothing' {
        $enc = (Protect-Evidence -Path $script:plain -Recipient $script:keys.curve.Public -OutputDirectory (Join-Path $TestDrive 'wrong')).Path
        $out = Join-Path $TestDrive 'wrong-out'
        Unprotect-Evidence -Path $enc -Key $script:keys.other.Secret -OutputDirectory $out -ErrorVariable e -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $e[0].FullyQualifiedErrorId | Should -Be 'EvidenceWrongKey,KForensics.Commands.UnprotectEvidenceCommand'
        "$($e[0])" | Should -Match 'none of the secret keys'
        @(Get-ChildItem $out -Force) | Should -BeNullOrEmpty
    }

    It 'refuses a tampered ciphertext and writes nothing; gpg refuses it too' {
        $dir = Join-Path $TestDrive 'tamper'
        $r = Protect-Evidence -Path $script:plain -Recipient $script:keys.curve.Public -OutputDirectory $dir
        $bytes = [IO.File]::ReadAllBytes($r.Path)
        $bytes[4MB] = $bytes[4MB] -bxor 0x01
        $tampered = Join-Path $TestDrive 'tampered.bin.gpg'
        [IO.File]::WriteAllBytes($tampered, $bytes)
        $out = Join-Path $TestDrive 'tamper-out'
        Unprotect-Evidence -Path $tampered -Key $script:keys.curve.Secret -OutputDirectory $out -ErrorVariable e -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $e[0].FullyQualifiedErrorId | Should -Be 'EvidenceTampered,KForensics.Commands.UnprotectEvidenceCommand'
        @(Get-ChildItem $out -Force) | Should -BeNullOrEmpty
        (Invoke-KfGpg $script:gpg @('--output', (Join-Path $TestDrive 'gpg-tampered.bin'), '--decrypt', $tampered)).ExitCode | Should -Not -Be 0

        # Changed in place, beside its manifest: still refused, the manifest untouched.
        [IO.File]::WriteAllBytes($r.Path, $bytes)
        Unprotect-Evidence -Path $r.Path -Key $script:keys.curve.Secret -OutputDirectory $out -ErrorVariable e2 -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $e2[0].FullyQualifiedErrorId | Should -BeLike 'EvidenceTampered,*'
        @(Get-ChildItem $out -Force) | Should -BeNullOrEmpty
    }

    It 'refuses a file whose manifest records other hashes' {
        $dir = Join-Path $TestDrive 'mismatch'
        $r = Protect-Evidence -Path $script:plain -Recipient $script:keys.curve.Public -OutputDirectory $dir
        $m = Get-Content -Raw $r.ManifestPath | ConvertFrom-Json
        $m.protection.plaintextSha256 = '0' * 64
        $m | ConvertTo-Json -Depth 6 | Set-Content $r.ManifestPath
        Unprotect-Evidence -Path $r.Path -Key $script:keys.curve.Secret -OutputDirectory (Join-Path $TestDrive 'mismatch-out') -ErrorVariable e -ErrorAction SilentlyContinue |
            Should -BeNullOrEmpty
        $e[0].FullyQualifiedErrorId | Should -BeLike 'EvidenceManifestMismatch,*'
        Test-Path (Join-Path $TestDrive 'mismatch-out/memory.bin') | Should -BeFalse
    }

    It 'unlocks a key with its passphrase and names a wrong one' {
        $locked = New-KfGpgHome -Name locked -Passphrase 'correct horse'
        try {
            $enc = (Protect-Evidence -Path $script:plain -Recipient $locked.Keys.locked.Public -OutputDirectory (Join-Path $TestDrive 'locked')).Path
            $ok = Unprotect-Evidence -Path $enc -Key $locked.Keys.locked.Secret -Passphrase (ConvertTo-SecureString 'correct horse' -AsPlainText -Force) -OutputDirectory (Join-Path $TestDrive 'locked-ok')
            Sha $ok.Path | Should -Be $script:plainSha
            Unprotect-Evidence -Path $enc -Key $locked.Keys.locked.Secret -Passphrase (ConvertTo-SecureString 'wrong' -AsPlainText -Force) `
                -OutputDirectory (Join-Path $TestDrive 'locked-bad') -ErrorVariable e -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            $e[0].FullyQualifiedErrorId | Should -BeLike 'EvidenceKeyInvalid,*'
            "$($e[0])" | Should -Match 'passphrase'
            @(Get-ChildItem (Join-Path $TestDrive 'locked-bad') -Force) | Should -BeNullOrEmpty
        } finally { Remove-KfGpgHome $locked }
    }

    It 'refuses a message without integrity protection (gpg --rfc2440 writes one) and writes nothing; gpg refuses it too' {
        # --rfc2440 makes gpg write the old symmetrically encrypted data packet (tag 9), which has no modification detection code.
        $old = Join-Path $TestDrive 'no-mdc.bin.gpg'
        $g = Invoke-KfGpg $script:gpg @('--rfc2440', '--recipient', $script:keys.curve.Email, '--output', $old, '--encrypt', $script:plain)
        $g.ExitCode | Should -Be 0 -Because $g.Output
        $g.Output | Should -Match 'without integrity protection'
        $out = Join-Path $TestDrive 'no-mdc-out'
        Unprotect-Evidence -Path $old -Key $script:keys.curve.Secret -OutputDirectory $out -ErrorVariable e -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $e[0].FullyQualifiedErrorId | Should -Be 'EvidenceNotIntegrityProtected,KForensics.Commands.UnprotectEvidenceCommand'
        @(Get-ChildItem $out -Force -ErrorAction SilentlyContinue) | Should -BeNullOrEmpty
        (Invoke-KfGpg $script:gpg @('--output', (Join-Path $TestDrive 'gpg-no-mdc.bin'), '--decrypt', $old)).ExitCode | Should -Not -Be 0
    }

    It 'refuses a file that is not OpenPGP' {
        $not = Join-Path $TestDrive 'plain.gpg'
        Set-Content $not 'just text'
        Unprotect-Evidence -Path $not -Key $script:keys.curve.Secret -OutputDirectory (Join-Path $TestDrive 'not') -ErrorVariable e -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $e[0].FullyQualifiedErrorId | Should -BeLike 'EvidenceNotEncrypted,*'
    }
}

Describe 'Evidence written to a full disk' {
    BeforeAll {
        # A 1 MiB tmpfs: the 8 MiB file cannot fit, whichever way it is written.
        $script:full = New-Item -ItemType Directory -Force (Join-Path $TestDrive 'full')
        $script:mounted = $false
        if ($IsLinux -and (& id -u) -eq '0') {
            & mount -t tmpfs -o size=1m,mode=0755 kf-evidence-full $script:full.FullName 2>$null
            $script:mounted = $LASTEXITCODE -eq 0
        }
    }

    AfterAll {
        if ($script:mounted) { & umount $script:full.FullName }
    }

    It 'Protect-Evidence and Unprotect-Evidence report EvidenceWriteFailed and leave nothing behind' {
        if (-not $script:mounted) { Set-ItResult -Skipped -Because 'a small tmpfs can be mounted only as root on Linux'; return }
        Protect-Evidence -Path $script:plain -Recipient $script:keys.curve.Public -OutputDirectory $script:full -ErrorVariable e -ErrorAction SilentlyContinue |
            Should -BeNullOrEmpty
        $e.Count | Should -Be 1
        $e[0].FullyQualifiedErrorId | Should -Be 'EvidenceWriteFailed,KForensics.Commands.ProtectEvidenceCommand'
        "$($e[0])" | Should -Match 'space'
        @(Get-ChildItem $script:full -Force) | Should -BeNullOrEmpty

        $enc = (Protect-Evidence -Path $script:plain -Recipient $script:keys.curve.Public -OutputDirectory (Join-Path $TestDrive 'to-full')).Path
        Unprotect-Evidence -Path $enc -Key $script:keys.curve.Secret -OutputDirectory $script:full -ErrorVariable e2 -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $e2.Count | Should -Be 1
        $e2[0].FullyQualifiedErrorId | Should -Be 'EvidenceWriteFailed,KForensics.Commands.UnprotectEvidenceCommand'
        @(Get-ChildItem $script:full -Force) | Should -BeNullOrEmpty
    }
}

Describe 'Evidence encryption of 1 GiB' {
    BeforeAll {
        $script:big = (New-KfRandomFile (Join-Path $TestDrive 'big.bin') 1GB).FullName
        $script:bigSha = Sha $script:big
    }

    AfterAll {
        foreach ($p in 'big.bin', 'big.bin.gpg', 'big.bin.gpg.manifest.json', 'big-gpg.bin', 'big-out') {
            Remove-Item -LiteralPath (Join-Path $TestDrive $p) -Recurse -Force -ErrorAction SilentlyContinue
        }
    }

    It 'encrypts and decrypts 1 GiB with a peak working set under 200 MiB, and gpg decrypts it to the same SHA-256' {
        $enc = Get-KfPeakWorkingSet -ModulePath $env:KF_MODULE_PATH -Script "Protect-Evidence -LiteralPath '$($script:big)' -Recipient '$($script:keys.curve.Public)' | Out-Null"
        Write-Host ("Protect-Evidence 1 GiB: working set after import {0:N0} MiB, peak {1:N0} MiB" -f ($enc.Baseline / 1MB), ($enc.Peak / 1MB))
        $enc.Peak | Should -BeLessThan 200MB
        (Get-Content -Raw "$($script:big).gpg.manifest.json" | ConvertFrom-Json).protection.plaintextSha256 | Should -Be $script:bigSha

        $g = Invoke-KfGpg $script:gpg @('--output', (Join-Path $TestDrive 'big-gpg.bin'), '--decrypt', "$($script:big).gpg")
        $g.ExitCode | Should -Be 0 -Because $g.Output
        Sha (Join-Path $TestDrive 'big-gpg.bin') | Should -Be $script:bigSha
        Remove-Item (Join-Path $TestDrive 'big-gpg.bin')

        $dec = Get-KfPeakWorkingSet -ModulePath $env:KF_MODULE_PATH -Script "Unprotect-Evidence -LiteralPath '$($script:big).gpg' -Key '$($script:keys.curve.Secret)' -OutputDirectory '$(Join-Path $TestDrive 'big-out')' | Out-Null"
        Write-Host ("Unprotect-Evidence 1 GiB: working set after import {0:N0} MiB, peak {1:N0} MiB" -f ($dec.Baseline / 1MB), ($dec.Peak / 1MB))
        $dec.Peak | Should -BeLessThan 200MB
        Sha (Join-Path $TestDrive 'big-out/big.bin') | Should -Be $script:bigSha
    }
}
