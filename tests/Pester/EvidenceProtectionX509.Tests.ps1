# Protect-Evidence and Unprotect-Evidence to X.509 certificates (CMS enveloped data) against openssl cms, the
# third-party reader and writer of the format.
BeforeAll {
    Import-Module $env:KF_MODULE_PATH -Force
    Import-Module (Join-Path $PSScriptRoot '../Setup/KForensics.TestSupport.psm1') -Force
    if (-not (Get-Command openssl -CommandType Application -ErrorAction SilentlyContinue)) { throw 'openssl is not installed: run ./build.ps1 -Task Bootstrap.' }
    function Sha([string] $Path) { (Get-FileHash -LiteralPath $Path -Algorithm SHA256).Hash.ToLowerInvariant() }
    function Invoke-Openssl([string[]] $Arguments) {
        $out = & openssl @Arguments 2>&1 | ForEach-Object { "$_" }
        [pscustomobject]@{ ExitCode = $LASTEXITCODE; Output = ($out -join "`n") }
    }
    # A self-signed RSA certificate for key encipherment and its key (PEM), made with openssl on the spot.
    function New-TestCertificate([string] $Name, [string] $Usage = 'keyEncipherment') {
        $dir = New-Item -ItemType Directory -Force (Join-Path $TestDrive "pki-$Name")
        $key = Join-Path $dir "$Name.key.pem"; $cert = Join-Path $dir "$Name.cert.pem"
        $r = Invoke-Openssl @('req', '-x509', '-newkey', 'rsa:3072', '-nodes', '-keyout', $key, '-out', $cert, '-days', '2',
            '-subj', "/CN=KForensics $Name/O=Incident Response", '-addext', "keyUsage=critical,$Usage")
        if ($r.ExitCode -ne 0) { throw "openssl could not make the certificate ${Name}: $($r.Output)" }
        $fpr = ((Invoke-Openssl @('x509', '-in', $cert, '-noout', '-fingerprint', '-sha256')).Output -replace '^.*=', '' -replace ':', '').Trim()
        [pscustomobject]@{ Name = $Name; Key = $key; Certificate = $cert; Fingerprint = $fpr }
    }
    $script:team = New-TestCertificate 'team'
    $script:backup = New-TestCertificate 'backup'
    $script:other = New-TestCertificate 'other'
    $script:plain = (New-KfRandomFile (Join-Path $TestDrive 'memory.bin') 8MB).FullName
    $script:plainSha = Sha $script:plain
}

Describe 'Protect-Evidence to certificates' {
    It 'encrypts to a PEM file and an X509Certificate2 at once, and openssl cms -decrypt decrypts with either key to the same SHA-256' {
        $x509 = [System.Security.Cryptography.X509Certificates.X509Certificate2]::new($script:backup.Certificate)
        $r = Protect-Evidence -Path $script:plain -Recipient $script:team.Certificate, $x509
        $r.Path | Should -Be "$($script:plain).p7m"
        $r.Format | Should -BeLike 'CMS enveloped data*'
        $r.PlaintextSha256 | Should -Be $script:plainSha
        $r.Sha256 | Should -Be (Sha $r.Path)
        $r.Recipients.Count | Should -Be 2
        foreach ($c in $script:team, $script:backup) {
            $out = Join-Path $TestDrive "openssl-$($c.Name).bin"
            $o = Invoke-Openssl @('cms', '-decrypt', '-binary', '-inform', 'DER', '-in', $r.Path, '-recip', $c.Certificate, '-inkey', $c.Key, '-out', $out)
            $o.ExitCode | Should -Be 0 -Because $o.Output
            Sha $out | Should -Be $script:plainSha
        }
        # openssl reads the structure as enveloped data with AES-256-CBC and one key transport recipient per certificate.
        $tree = (Invoke-Openssl @('cms', '-cmsout', '-print', '-inform', 'DER', '-in', $r.Path, '-noout')).Output
        $tree | Should -Match 'contentType: pkcs7-envelopedData'
        $tree | Should -Match 'aes-256-cbc'
        ([regex]::Matches($tree, 'd.ktri:')).Count | Should -Be 2
        # The other key is not a recipient: openssl refuses it.
        (Invoke-Openssl @('cms', '-decrypt', '-inform', 'DER', '-in', $r.Path, '-recip', $script:other.Certificate, '-inkey', $script:other.Key,
            '-out', (Join-Path $TestDrive 'openssl-other.bin'))).ExitCode | Should -Not -Be 0
    }

    It 'records both hashes and the certificate in the custody manifest' {
        $r = Protect-Evidence -Path $script:plain -Recipient $script:team.Certificate -OutputDirectory (Join-Path $TestDrive 'manifest')
        $m = Get-Content -Raw $r.ManifestPath | ConvertFrom-Json
        $m.file.name | Should -Be 'memory.bin.p7m'
        $m.file.sha256 | Should -Be (Sha $r.Path)
        $m.protection.format | Should -BeLike 'CMS enveloped data*'
        $m.protection.plaintextSha256 | Should -Be $script:plainSha
        $m.protection.ciphertextSha256 | Should -Be (Sha $r.Path)
        $m.protection.recipients[0].fingerprint | Should -Be $script:team.Fingerprint
        $m.protection.recipients[0].userId | Should -Match 'CN=KForensics team'
    }

    It 'takes a DER certificate file and PEM text' {
        $der = Join-Path $TestDrive 'team.cer'
        (Invoke-Openssl @('x509', '-in', $script:team.Certificate, '-outform', 'DER', '-out', $der)).ExitCode | Should -Be 0
        $a = Protect-Evidence -Path $script:plain -Recipient $der -OutputDirectory (Join-Path $TestDrive 'der')
        $b = Protect-Evidence -Path $script:plain -Recipient (Get-Content -Raw $script:team.Certificate) -OutputDirectory (Join-Path $TestDrive 'pemtext')
        foreach ($r in $a, $b) {
            $r.Recipients[0] | Should -Match $script:team.Fingerprint
            $out = "$($r.Path).out"
            (Invoke-Openssl @('cms', '-decrypt', '-inform', 'DER', '-in', $r.Path, '-inkey', $script:team.Key, '-out', $out)).ExitCode | Should -Be 0
            Sha $out | Should -Be $script:plainSha
        }
    }

    It 'refuses, before any file, a certificate that may not encrypt and a mix of certificates and OpenPGP keys' {
        $signing = New-TestCertificate 'signing' 'digitalSignature'
        { Protect-Evidence -Path $script:plain -Recipient $signing.Certificate -OutputDirectory (Join-Path $TestDrive 'bad') } |
            Should -Throw -ErrorId 'EvidenceRecipientInvalid,KForensics.Commands.ProtectEvidenceCommand'
        $gpg = New-KfGpgHome -Name curve
        try {
            { Protect-Evidence -Path $script:plain -Recipient $script:team.Certificate, $gpg.Keys.curve.Public -OutputDirectory (Join-Path $TestDrive 'bad') } |
                Should -Throw -ErrorId 'EvidenceRecipientInvalid,KForensics.Commands.ProtectEvidenceCommand'
        } finally { Remove-KfGpgHome $gpg }
        Test-Path (Join-Path $TestDrive 'bad') | Should -BeFalse
    }
}

Describe 'EC certificates' {
    BeforeAll {
        # An EC certificate for encryption as a PKI issues it: P-256, key usage keyAgreement (what CMS uses an EC key for).
        $dir = New-Item -ItemType Directory -Force (Join-Path $TestDrive 'pki-ec')
        $script:ecKey = Join-Path $dir 'ec.key.pem'; $script:ecCert = Join-Path $dir 'ec.cert.pem'
        $r = Invoke-Openssl @('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', $script:ecKey, '-out', $script:ecCert,
            '-days', '2', '-subj', '/CN=KForensics ec/O=Incident Response', '-addext', 'keyUsage=critical,keyAgreement')
        if ($r.ExitCode -ne 0) { throw "openssl could not make the EC certificate: $($r.Output)" }
    }

    It 'are refused as recipients before any file, naming the key and what to give instead' {
        $out = Join-Path $TestDrive 'ec-out'
        { Protect-Evidence -Path $script:plain -Recipient $script:ecCert -OutputDirectory $out } |
            Should -Throw -ErrorId 'EvidenceRecipientInvalid,KForensics.Commands.ProtectEvidenceCommand' -ExpectedMessage '*EC key (curve P-256)*RSA key transport only*OpenPGP*'
        $x509 = [System.Security.Cryptography.X509Certificates.X509Certificate2]::new($script:ecCert)
        { Protect-Evidence -Path $script:plain -Recipient $script:team.Certificate, $x509 -OutputDirectory $out } |
            Should -Throw -ErrorId 'EvidenceRecipientInvalid,KForensics.Commands.ProtectEvidenceCommand' -ExpectedMessage '*CN=KForensics ec*EC key*'
        Test-Path $out | Should -BeFalse
    }

    It 'name key agreement when asked to decrypt what openssl encrypted to one, and write nothing' {
        # openssl cms does encrypt to an EC certificate, by ECDH key agreement (kari).
        $enc = Join-Path $TestDrive 'ec.bin.p7m'
        $o = Invoke-Openssl @('cms', '-encrypt', '-binary', '-aes256', '-in', $script:plain, '-outform', 'DER', '-out', $enc, $script:ecCert)
        $o.ExitCode | Should -Be 0 -Because $o.Output
        (Invoke-Openssl @('cms', '-cmsout', '-print', '-inform', 'DER', '-in', $enc, '-noout')).Output | Should -Match 'd.kari:'
        $out = Join-Path $TestDrive 'ec-dec'
        Unprotect-Evidence -Path $enc -Key $script:ecKey -OutputDirectory $out -ErrorVariable e -ErrorAction SilentlyContinue -WarningAction SilentlyContinue | Should -BeNullOrEmpty
        $e[0].FullyQualifiedErrorId | Should -Be 'EvidenceWrongKey,KForensics.Commands.UnprotectEvidenceCommand'
        "$($e[0])" | Should -Match 'key agreement.*openssl cms -decrypt'
        @(Get-ChildItem $out -Force -ErrorAction SilentlyContinue) | Should -BeNullOrEmpty
        # openssl, the reader the message names, opens it.
        $plainOut = Join-Path $TestDrive 'ec-openssl.bin'
        (Invoke-Openssl @('cms', '-decrypt', '-binary', '-inform', 'DER', '-in', $enc, '-inkey', $script:ecKey, '-out', $plainOut)).ExitCode | Should -Be 0
        Sha $plainOut | Should -Be $script:plainSha
    }
}

Describe 'Unprotect-Evidence with a certificate''s key' {
    BeforeAll {
        $script:pfx = Join-Path $TestDrive 'team.pfx'
        $p = Invoke-Openssl @('pkcs12', '-export', '-in', $script:team.Certificate, '-inkey', $script:team.Key, '-out', $script:pfx, '-passout', 'pass:pfx secret')
        if ($p.ExitCode -ne 0) { throw "openssl pkcs12 failed: $($p.Output)" }
        $script:pfxPass = ConvertTo-SecureString 'pfx secret' -AsPlainText -Force
    }

    It 'decrypts openssl cms -encrypt -binary -aes256 output (S/MIME, DER and PEM) with the PEM key and with the PFX, to the same SHA-256' {
        foreach ($form in 'SMIME', 'DER', 'PEM') {
            $enc = Join-Path $TestDrive "openssl-$form.bin.p7m"
            $o = Invoke-Openssl @('cms', '-encrypt', '-binary', '-aes256', '-in', $script:plain, '-outform', $form, '-out', $enc, $script:team.Certificate)
            $o.ExitCode | Should -Be 0 -Because $o.Output
            $r = Unprotect-Evidence -Path $enc -Key $script:team.Key -OutputDirectory (Join-Path $TestDrive "pem-$form") -WarningVariable w -WarningAction SilentlyContinue
            $r.Path | Should -Be (Join-Path $TestDrive "pem-$form/openssl-$form.bin")
            $r.Sha256 | Should -Be $script:plainSha
            Sha $r.Path | Should -Be $script:plainSha
            $r.SourceSha256 | Should -Be (Sha $enc)
            $r.IntegrityChecked | Should -BeFalse
            $r.ManifestVerified | Should -BeFalse
            # Nothing vouches for a file without a manifest: the warning names the hash to compare.
            "$w" | Should -Match (Sha $enc)
            $k = Unprotect-Evidence -Path $enc -Key $script:pfx -Passphrase $script:pfxPass -OutputDirectory (Join-Path $TestDrive "pfx-$form") -WarningAction SilentlyContinue
            Sha $k.Path | Should -Be $script:plainSha
            $k.KeyId | Should -Match 'CN=KForensics team'
        }
    }

    It 'decrypts with an X509Certificate2 that carries its key, and names a wrong PFX passphrase' {
        $enc = (Protect-Evidence -Path $script:plain -Recipient $script:team.Certificate -OutputDirectory (Join-Path $TestDrive 'x509key')).Path
        $flags = [System.Security.Cryptography.X509Certificates.X509KeyStorageFlags]::Exportable
        $x509 = [System.Security.Cryptography.X509Certificates.X509Certificate2]::new($script:pfx, 'pfx secret', $flags)
        $r = Unprotect-Evidence -Path $enc -Key $x509 -OutputDirectory (Join-Path $TestDrive 'x509key-out')
        $r.ManifestVerified | Should -BeTrue
        Sha $r.Path | Should -Be $script:plainSha
        # A PFX is opened before any file, so a wrong passphrase stops the command.
        { Unprotect-Evidence -Path $enc -Key $script:pfx -Passphrase (ConvertTo-SecureString 'wrong' -AsPlainText -Force) -OutputDirectory (Join-Path $TestDrive 'pfx-bad') } |
            Should -Throw -ErrorId 'EvidenceKeyInvalid,KForensics.Commands.UnprotectEvidenceCommand' -ExpectedMessage '*passphrase*'
        Test-Path (Join-Path $TestDrive 'pfx-bad') | Should -BeFalse
    }

    It 'round-trips its own files through the pipeline and checks them against their manifest' {
        $r = Protect-Evidence -Path $script:plain -Recipient $script:team.Certificate -OutputDirectory (Join-Path $TestDrive 'rt') |
            Unprotect-Evidence -Key $script:team.Key -OutputDirectory (Join-Path $TestDrive 'rt-out')
        $r.ManifestVerified | Should -BeTrue
        Sha $r.Path | Should -Be $script:plainSha
        (Get-Content -Raw $r.ManifestPath | ConvertFrom-Json).file.sha256 | Should -Be $script:plainSha
    }

    It 'refuses the wrong key (a certificate''s or an OpenPGP one) and writes nothing' {
        $enc = Join-Path $TestDrive 'wrong.bin.p7m'
        (Invoke-Openssl @('cms', '-encrypt', '-binary', '-aes256', '-in', $script:plain, '-out', $enc, $script:team.Certificate)).ExitCode | Should -Be 0
        $out = Join-Path $TestDrive 'wrong-out'
        Unprotect-Evidence -Path $enc -Key $script:other.Key -OutputDirectory $out -ErrorVariable e -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $e[0].FullyQualifiedErrorId | Should -Be 'EvidenceWrongKey,KForensics.Commands.UnprotectEvidenceCommand'
        "$($e[0])" | Should -Match 'CN=KForensics team'
        $gpg = New-KfGpgHome -Name curve
        try {
            Unprotect-Evidence -Path $enc -Key $gpg.Keys.curve.Secret -OutputDirectory $out -ErrorVariable e2 -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            $e2[0].FullyQualifiedErrorId | Should -Be 'EvidenceWrongKey,KForensics.Commands.UnprotectEvidenceCommand'
        } finally { Remove-KfGpgHome $gpg }
        @(Get-ChildItem $out -Force -ErrorAction SilentlyContinue) | Should -BeNullOrEmpty
    }

    It 'refuses a tampered ciphertext and writes nothing, where openssl, without the manifest, decrypts it to other bytes' {
        $dir = Join-Path $TestDrive 'tamper'
        $r = Protect-Evidence -Path $script:plain -Recipient $script:team.Certificate -OutputDirectory $dir
        $bytes = [IO.File]::ReadAllBytes($r.Path)
        $bytes[4MB] = $bytes[4MB] -bxor 0x01
        [IO.File]::WriteAllBytes($r.Path, $bytes)
        $out = Join-Path $TestDrive 'tamper-out'
        Unprotect-Evidence -Path $r.Path -Key $script:team.Key -OutputDirectory $out -ErrorVariable e -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $e[0].FullyQualifiedErrorId | Should -Be 'EvidenceTampered,KForensics.Commands.UnprotectEvidenceCommand'
        "$($e[0])" | Should -Match 'custody manifest'
        @(Get-ChildItem $out -Force -ErrorAction SilentlyContinue) | Should -BeNullOrEmpty
        # CBC has no integrity check: openssl decrypts the changed file without a word, to bytes that are not the evidence.
        $o = Invoke-Openssl @('cms', '-decrypt', '-inform', 'DER', '-in', $r.Path, '-inkey', $script:team.Key, '-out', (Join-Path $TestDrive 'openssl-tampered.bin'))
        $o.ExitCode | Should -Be 0
        Sha (Join-Path $TestDrive 'openssl-tampered.bin') | Should -Not -Be $script:plainSha

        # openssl's own file cut short: the structure ends early, refused with nothing written.
        $enc = Join-Path $TestDrive 'cut.bin.p7m'
        (Invoke-Openssl @('cms', '-encrypt', '-binary', '-aes256', '-in', $script:plain, '-outform', 'DER', '-out', $enc, $script:team.Certificate)).ExitCode | Should -Be 0
        $cut = [IO.File]::ReadAllBytes($enc)
        [IO.File]::WriteAllBytes($enc, $cut[0..($cut.Length - 100)])
        Unprotect-Evidence -Path $enc -Key $script:team.Key -OutputDirectory $out -ErrorVariable e2 -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $e2[0].FullyQualifiedErrorId | Should -Be 'EvidenceTampered,KForensics.Commands.UnprotectEvidenceCommand'
        @(Get-ChildItem $out -Force -ErrorAction SilentlyContinue) | Should -BeNullOrEmpty
    }
}

Describe 'Evidence encryption of 1 GiB to a certificate' {
    BeforeAll {
        $script:big = (New-KfRandomFile (Join-Path $TestDrive 'big.bin') 1GB).FullName
        $script:bigSha = Sha $script:big
    }

    AfterAll {
        foreach ($p in 'big.bin', 'big.bin.p7m', 'big.bin.p7m.manifest.json', 'big-openssl.bin', 'big-openssl.p7m', 'big-out') {
            Remove-Item -LiteralPath (Join-Path $TestDrive $p) -Recurse -Force -ErrorAction SilentlyContinue
        }
    }

    It 'encrypts and decrypts 1 GiB with a peak working set under 200 MiB, and openssl decrypts it to the same SHA-256' {
        $enc = Get-KfPeakWorkingSet -ModulePath $env:KF_MODULE_PATH -Script "Protect-Evidence -LiteralPath '$($script:big)' -Recipient '$($script:team.Certificate)' | Out-Null"
        Write-Host ("Protect-Evidence (CMS) 1 GiB: working set after import {0:N0} MiB, peak {1:N0} MiB" -f ($enc.Baseline / 1MB), ($enc.Peak / 1MB))
        $enc.Peak | Should -BeLessThan 200MB
        (Get-Content -Raw "$($script:big).p7m.manifest.json" | ConvertFrom-Json).protection.plaintextSha256 | Should -Be $script:bigSha

        $plainOut = Join-Path $TestDrive 'big-openssl.bin'
        $o = Invoke-Openssl @('cms', '-decrypt', '-binary', '-inform', 'DER', '-in', "$($script:big).p7m", '-inkey', $script:team.Key, '-out', $plainOut)
        $o.ExitCode | Should -Be 0 -Because $o.Output
        Sha $plainOut | Should -Be $script:bigSha
        Remove-Item $plainOut

        $dec = Get-KfPeakWorkingSet -ModulePath $env:KF_MODULE_PATH -Script "Unprotect-Evidence -LiteralPath '$($script:big).p7m' -Key '$($script:team.Key)' -OutputDirectory '$(Join-Path $TestDrive 'big-out')' | Out-Null"
        Write-Host ("Unprotect-Evidence (CMS) 1 GiB: working set after import {0:N0} MiB, peak {1:N0} MiB" -f ($dec.Baseline / 1MB), ($dec.Peak / 1MB))
        $dec.Peak | Should -BeLessThan 200MB
        Sha (Join-Path $TestDrive 'big-out/big.bin') | Should -Be $script:bigSha
    }
}
