namespace KForensics.Core.Evidence.Protection;

/// <summary>
/// Encrypts and decrypts evidence files (OpenPGP or CMS, by the recipients' kind): each is written next to its target under a temporary name and moved
/// into place only once complete and checked, and a custody manifest with both hashes is written beside it.
/// </summary>
public static class EvidenceFileProtection
{
    /// <summary>The extension of OpenPGP files, as gpg names them.</summary>
    public const string Extension = ".gpg";

    /// <summary>The extension of CMS enveloped data, as S/MIME names it.</summary>
    public const string CmsExtension = ".p7m";

    public const string OpenPgpFormatName = "OpenPGP (RFC 4880), AES-256, integrity-protected (MDC)";

    public const string CmsFormatName = "CMS enveloped data (RFC 5652), AES-256-CBC, RSA key transport";

    public static string FormatName(ProtectionFormat format) => format == ProtectionFormat.Cms ? CmsFormatName : OpenPgpFormatName;

    public static string ExtensionFor(ProtectionFormat format) => format == ProtectionFormat.Cms ? CmsExtension : Extension;

    /// <summary>
    /// The one format all <paramref name="recipients"/> share: OpenPGP keys and certificates cannot be mixed, since
    /// no file could be read by both gpg and openssl.
    /// </summary>
    public static ProtectionFormat FormatOf(IReadOnlyList<EvidenceRecipient> recipients)
    {
        if (recipients.Count == 0)
        {
            throw new ArgumentException("At least one recipient is needed.", nameof(recipients));
        }

        ProtectionFormat format = recipients[0].Format;
        return recipients.All(r => r.Format == format)
            ? format
            : throw new ProtectionException(ProtectionFailure.RecipientInvalid,
                "The recipients mix OpenPGP keys and X.509 certificates; one file is either OpenPGP (for gpg) or CMS (for openssl): encrypt once for each.");
    }

    /// <summary>The encrypted OpenPGP file's default name: the plaintext's with .gpg added, as gpg names it.</summary>
    public static string TargetFor(string plaintextPath) => plaintextPath + Extension;

    /// <summary>The encrypted file's default name: the plaintext's with .gpg (OpenPGP) or .p7m (CMS) added.</summary>
    public static string TargetFor(string plaintextPath, IReadOnlyList<EvidenceRecipient> recipients) => plaintextPath + ExtensionFor(FormatOf(recipients));

    /// <summary>The decrypted file's default name: .gpg, .pgp or .p7m taken off, else .decrypted added.</summary>
    public static string PlaintextTargetFor(string ciphertextPath)
        => new[] { Extension, ".pgp", CmsExtension }.Any(e => ciphertextPath.EndsWith(e, StringComparison.OrdinalIgnoreCase))
            ? ciphertextPath[..^4]
            : ciphertextPath + ".decrypted";

    /// <summary>
    /// Encrypts <paramref name="source"/> to <paramref name="target"/>. When the source has a custody manifest,
    /// its provenance is carried over and the plaintext read must have the manifest's hash, or nothing is written.
    /// </summary>
    public static ProtectedEvidence ProtectFile(string source, string target, IReadOnlyList<EvidenceRecipient> recipients, CustodyManifest? sourceManifest,
        string toolVersion, bool overwrite, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        var info = new FileInfo(source);
        ProtectionDigest digest = Staged(target, overwrite, staging =>
        {
            using var input = new FileStream(source, FileMode.Open, FileAccess.Read, FileShare.Read, EvidenceProtector.BufferSize, FileOptions.SequentialScan);
            ProtectionDigest d = EvidenceProtector.Encrypt(input, staging, recipients, info.Name, info.LastWriteTimeUtc, progress, cancellationToken);
            if (sourceManifest is not null && !string.Equals(sourceManifest.File.Sha256, d.PlaintextSha256, StringComparison.OrdinalIgnoreCase))
            {
                throw new ProtectionException(ProtectionFailure.ManifestMismatch,
                    $"'{source}' has SHA-256 {d.PlaintextSha256}, but its custody manifest records {sourceManifest.File.Sha256}: the file changed since it was acquired. Nothing was written.");
            }

            return d;
        });

        DateTime now = DateTime.UtcNow;
        CustodyManifest origin = sourceManifest ?? CustodyManifestFile.ForFile(source, digest.PlaintextBytes, digest.PlaintextSha256, toolVersion, now);
        return Record(target, digest, info.Name, source, recipients, origin, now, cancellationToken);
    }

    /// <summary>
    /// Writes the custody manifest of a file a producer encrypted as it wrote it (<see cref="ProtectedWriteStream"/>),
    /// from the producer's own record of the plaintext, and returns its description.
    /// </summary>
    public static ProtectedEvidence Record(string target, ProtectionDigest digest, string plaintextName, string? source, IReadOnlyList<EvidenceRecipient> recipients,
        CustodyManifest origin, DateTime nowUtc, CancellationToken cancellationToken)
    {
        var protection = new ManifestProtection
        {
            Format = FormatName(FormatOf(recipients)),
            Recipients = recipients.Select(r => new ManifestRecipient { Fingerprint = r.Fingerprint, PrimaryFingerprint = r.PrimaryFingerprint, UserId = r.UserId }).ToArray(),
            PlaintextName = plaintextName,
            PlaintextBytes = digest.PlaintextBytes,
            PlaintextSha256 = digest.PlaintextSha256,
            CiphertextBytes = digest.CiphertextBytes,
            CiphertextSha256 = digest.CiphertextSha256,
            ProtectedTimeUtc = nowUtc,
        };
        var file = new ManifestFile { Name = Path.GetFileName(target), Bytes = digest.CiphertextBytes, Sha256AtSource = digest.CiphertextSha256, Sha256 = digest.CiphertextSha256 };
        CustodyManifest manifest = CustodyManifestFile.With(origin, file, protection, null);
        string manifestPath = CustodyManifestFile.PathFor(target);
        File.WriteAllText(manifestPath, manifest.ToJson());
        cancellationToken.ThrowIfCancellationRequested();
        return new ProtectedEvidence(target, manifestPath, digest, plaintextName, source, recipients, nowUtc);
    }

    /// <summary>
    /// Decrypts <paramref name="source"/> to <paramref name="target"/>. The file appears only when the integrity
    /// check passed and, when a custody manifest with a protection record sits beside the ciphertext, both
    /// hashes match it; that manifest's provenance is then written beside the plaintext.
    /// </summary>
    public static UnprotectedEvidence UnprotectFile(string source, string target, EvidenceSecretKeys keys, bool overwrite,
        IProgress<long>? progress, CancellationToken cancellationToken)
    {
        CustodyManifest? manifest = CustodyManifestFile.Find(source)?.Manifest;
        ManifestProtection? recorded = manifest?.Protection;
        DecryptionResult? result = null;
        ProtectionDigest digest = Staged(target, overwrite, staging =>
        {
            using var input = new FileStream(source, FileMode.Open, FileAccess.Read, FileShare.Read, EvidenceProtector.BufferSize, FileOptions.SequentialScan);
            result = EvidenceProtector.Decrypt(input, staging, keys, progress, cancellationToken);
            ProtectionDigest d = result.Digest;
            if (recorded is not null && !string.Equals(recorded.CiphertextSha256, d.CiphertextSha256, StringComparison.OrdinalIgnoreCase) && !result.IntegrityChecked)
            {
                // The format checked nothing, so the recorded hash is the only sign of a change: it is tampering.
                throw new ProtectionException(ProtectionFailure.Tampered,
                    $"The ciphertext was changed: '{source}' has SHA-256 {d.CiphertextSha256}, but its custody manifest records {recorded.CiphertextSha256} " +
                    "(CMS enveloped data carries no integrity check of its own). Nothing was written.");
            }

            if (recorded is not null && (!string.Equals(recorded.CiphertextSha256, d.CiphertextSha256, StringComparison.OrdinalIgnoreCase)
                                         || !string.Equals(recorded.PlaintextSha256, d.PlaintextSha256, StringComparison.OrdinalIgnoreCase)))
            {
                throw new ProtectionException(ProtectionFailure.ManifestMismatch,
                    $"'{source}' decrypts, but its hashes (ciphertext {d.CiphertextSha256}, plaintext {d.PlaintextSha256}) are not those its custody manifest records " +
                    $"(ciphertext {recorded.CiphertextSha256}, plaintext {recorded.PlaintextSha256}). Nothing was written.");
            }

            return d;
        });

        string? manifestPath = null;
        if (manifest is not null && recorded is not null)
        {
            var file = new ManifestFile { Name = Path.GetFileName(target), Bytes = digest.PlaintextBytes, Sha256AtSource = recorded.PlaintextSha256, Sha256 = digest.PlaintextSha256 };
            manifestPath = CustodyManifestFile.PathFor(target);
            File.WriteAllText(manifestPath, CustodyManifestFile.With(manifest, file, null, null).ToJson());
        }

        return new UnprotectedEvidence(target, manifestPath, digest, source, result!, recorded is not null, DateTime.UtcNow);
    }

    private static T Staged<T>(string target, bool overwrite, Func<Stream, T> write)
    {
        string staging = target + "." + Guid.NewGuid().ToString("N")[..8] + ".partial";
        try
        {
            T result;
            using (var stream = new FileStream(staging, FileMode.CreateNew, FileAccess.Write, FileShare.None, EvidenceProtector.BufferSize))
            {
                result = write(stream);
            }

            File.Move(staging, target, overwrite);
            return result;
        }
        finally
        {
            File.Delete(staging);
        }
    }
}
