namespace KForensics.Core.Evidence.Protection;

/// <summary>An encrypted evidence file, with the hashes of both its ciphertext and the plaintext it holds.</summary>
public sealed class ProtectedEvidence
{
    internal ProtectedEvidence(string path, string manifestPath, ProtectionDigest digest, string plaintextName, string? source,
        IReadOnlyList<EvidenceRecipient> recipients, DateTime timeUtc)
    {
        Path = path;
        ManifestPath = manifestPath;
        Bytes = digest.CiphertextBytes;
        Sha256 = digest.CiphertextSha256;
        PlaintextName = plaintextName;
        PlaintextBytes = digest.PlaintextBytes;
        PlaintextSha256 = digest.PlaintextSha256;
        Source = source;
        Recipients = recipients.Select(r => r.ToString()).ToArray();
        Format = EvidenceFileProtection.FormatName(EvidenceFileProtection.FormatOf(recipients));
        TimeUtc = timeUtc;
    }

    /// <summary>The encrypted file (.gpg for OpenPGP, .p7m for CMS).</summary>
    public string Path { get; }

    /// <summary>The custody manifest beside it, with both hashes and the recipients.</summary>
    public string ManifestPath { get; }

    public long Bytes { get; }

    /// <summary>SHA-256 of the encrypted file.</summary>
    public string Sha256 { get; }

    public string PlaintextName { get; }

    public long PlaintextBytes { get; }

    /// <summary>SHA-256 of the plaintext, as it was read (or produced) and encrypted.</summary>
    public string PlaintextSha256 { get; }

    /// <summary>The plaintext file read, or null when a producing cmdlet encrypted as it wrote.</summary>
    public string? Source { get; }

    /// <summary>Each recipient as "user id (primary key fingerprint)", or "certificate subject (SHA-256 fingerprint)".</summary>
    public IReadOnlyList<string> Recipients { get; }

    /// <summary>OpenPGP or CMS enveloped data, with the algorithms.</summary>
    public string Format { get; }

    public DateTime TimeUtc { get; }

    public override string ToString() => Path;
}

/// <summary>A decrypted evidence file, checked against its ciphertext's integrity check and custody manifest.</summary>
public sealed class UnprotectedEvidence
{
    internal UnprotectedEvidence(string path, string? manifestPath, ProtectionDigest digest, string source, DecryptionResult result, bool manifestVerified, DateTime timeUtc)
    {
        string keyId = result.KeyId;
        Format = EvidenceFileProtection.FormatName(result.Format);
        IntegrityChecked = result.IntegrityChecked;
        Path = path;
        ManifestPath = manifestPath;
        Bytes = digest.PlaintextBytes;
        Sha256 = digest.PlaintextSha256;
        Source = source;
        SourceSha256 = digest.CiphertextSha256;
        KeyId = keyId;
        ManifestVerified = manifestVerified;
        TimeUtc = timeUtc;
    }

    /// <summary>The decrypted file.</summary>
    public string Path { get; }

    /// <summary>The custody manifest written beside it (the original's provenance), or null when the ciphertext had none.</summary>
    public string? ManifestPath { get; }

    public long Bytes { get; }

    public string Sha256 { get; }

    /// <summary>The encrypted file read.</summary>
    public string Source { get; }

    public string SourceSha256 { get; }

    /// <summary>The id of the secret key that decrypted it, or the issuer and serial number of the certificate it was for.</summary>
    public string KeyId { get; }

    /// <summary>True when a custody manifest beside the ciphertext recorded both hashes and both matched.</summary>
    public bool ManifestVerified { get; }

    /// <summary>The format read: OpenPGP, or CMS enveloped data.</summary>
    public string Format { get; }

    /// <summary>
    /// True when the format itself proved the ciphertext unchanged (OpenPGP's MDC); false for CMS enveloped data,
    /// which has no integrity check, so only <see cref="ManifestVerified"/> (or a hash sent separately) shows it unchanged.
    /// </summary>
    public bool IntegrityChecked { get; }

    public DateTime TimeUtc { get; }

    public override string ToString() => Path;
}
