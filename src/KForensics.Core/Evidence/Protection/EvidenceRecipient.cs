using Org.BouncyCastle.Bcpg;
using Org.BouncyCastle.Bcpg.OpenPgp;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.X509;

namespace KForensics.Core.Evidence.Protection;

/// <summary>
/// One key evidence is encrypted to: either an OpenPGP key (of a transferable public key, as <c>gpg --export</c>
/// writes it) that is valid now and flagged for encryption, or an X.509 certificate with an RSA key that is valid
/// now and may encipher keys. The kind decides the format: OpenPGP for the first, CMS enveloped data for the second.
/// EC certificates are refused by name: CMS reaches them only by key agreement (ECDH), and BouncyCastle 2.7's
/// key agreement recipients do not decrypt with openssl 3.0 (measured with the SHA-1 and SHA-256 KDFs), so an EC
/// team key goes through OpenPGP instead.
/// </summary>
public sealed class EvidenceRecipient
{
    private EvidenceRecipient(PgpPublicKey key, PgpPublicKey primary)
    {
        Format = ProtectionFormat.OpenPgp;
        Key = key;
        Fingerprint = Convert.ToHexString(key.GetFingerprint());
        KeyId = key.KeyId.ToString("X16", System.Globalization.CultureInfo.InvariantCulture);
        PrimaryFingerprint = Convert.ToHexString(primary.GetFingerprint());
        UserId = primary.GetUserIds().FirstOrDefault() ?? string.Empty;
        Algorithm = key.Algorithm.ToString();
    }

    private EvidenceRecipient(X509Certificate certificate, RsaKeyParameters key)
    {
        Format = ProtectionFormat.Cms;
        Certificate = certificate;
        Fingerprint = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(certificate.GetEncoded()));
        KeyId = certificate.SerialNumber.ToString(16).ToUpperInvariant();
        PrimaryFingerprint = Fingerprint;
        UserId = certificate.SubjectDN.ToString();
        Algorithm = $"RSA {key.Modulus.BitLength}";
    }

    /// <summary>
    /// The fingerprint of the encryption key (often a subkey), upper-case hex as gpg prints it; for a certificate,
    /// the SHA-256 of its DER encoding (what <c>openssl x509 -fingerprint -sha256</c> prints, without the colons).
    /// </summary>
    public string Fingerprint { get; }

    /// <summary>The OpenPGP key id, or the certificate's serial number (hex).</summary>
    public string KeyId { get; }

    /// <summary>The fingerprint of the certificate's primary key, the one people compare (a certificate's own fingerprint).</summary>
    public string PrimaryFingerprint { get; }

    /// <summary>The OpenPGP user id, or the certificate's subject.</summary>
    public string UserId { get; }

    public string Algorithm { get; }

    /// <summary>OpenPGP for an OpenPGP key, CMS for a certificate.</summary>
    public ProtectionFormat Format { get; }

    internal PgpPublicKey? Key { get; }

    internal X509Certificate? Certificate { get; }

    public override string ToString() => $"{UserId} ({PrimaryFingerprint})";

    /// <summary>
    /// The recipients in a key file or block: X.509 certificates (PEM, one or more, or DER), or OpenPGP public keys
    /// (armored or binary), for each of which its newest key that is valid now and may encrypt. A key or
    /// certificate that may not encrypt is refused by name.
    /// </summary>
    public static IReadOnlyList<EvidenceRecipient> Load(Stream keys, string source, DateTime nowUtc)
    {
        var peeked = new PeekedStream(keys, 64);
        if (ProtectionSniffer.IsCertificate(peeked.Head))
        {
            return LoadCertificates(peeked, source, nowUtc);
        }

        // OpenPGP's decoder needs a stream it can seek in; a key file is small.
        keys = new MemoryStream();
        peeked.CopyTo(keys);
        keys.Position = 0;
        PgpPublicKeyRingBundle bundle;
        try
        {
            bundle = new PgpPublicKeyRingBundle(PgpUtilities.GetDecoderStream(keys));
        }
        catch (Exception e) when (e is PgpException or IOException or ArgumentException or InvalidCastException)
        {
            throw new ProtectionException(ProtectionFailure.RecipientInvalid,
                $"'{source}' is not an OpenPGP public key (export it with gpg --export --armor): {e.Message}", e);
        }

        var recipients = new List<EvidenceRecipient>();
        foreach (PgpPublicKeyRing ring in bundle.GetKeyRings())
        {
            PgpPublicKey primary = ring.GetPublicKey();
            if (primary.HasRevocation() || HasExpired(primary, nowUtc))
            {
                throw new ProtectionException(ProtectionFailure.RecipientInvalid,
                    $"The OpenPGP key {Convert.ToHexString(primary.GetFingerprint())} in '{source}' is revoked or expired.");
            }

            List<PgpPublicKey> usable = ring.GetPublicKeys()
                .Where(k => k.IsEncryptionKey && !k.HasRevocation() && !HasExpired(k, nowUtc) && MayEncrypt(k))
                .ToList();
            PgpPublicKey? chosen = usable.OrderBy(k => k.CreationTime).LastOrDefault();
            if (chosen is null)
            {
                throw new ProtectionException(ProtectionFailure.RecipientInvalid,
                    $"The OpenPGP key {Convert.ToHexString(primary.GetFingerprint())} ({primary.GetUserIds().FirstOrDefault()}) in '{source}' has no valid key for encryption.");
            }

            recipients.Add(new EvidenceRecipient(chosen, primary));
        }

        if (recipients.Count == 0)
        {
            throw new ProtectionException(ProtectionFailure.RecipientInvalid, $"'{source}' holds no OpenPGP public key.");
        }

        return recipients;
    }

    /// <summary>The recipient of one certificate (its DER encoding, as X509Certificate2.RawData holds it).</summary>
    public static EvidenceRecipient FromCertificate(byte[] der, string source, DateTime nowUtc)
        => LoadCertificates(new MemoryStream(der), source, nowUtc)[0];

    private static List<EvidenceRecipient> LoadCertificates(Stream input, string source, DateTime nowUtc)
    {
        List<X509Certificate> certificates;
        try
        {
            certificates = new X509CertificateParser().ReadCertificates(input).ToList();
        }
        catch (Exception e) when (e is Org.BouncyCastle.Security.Certificates.CertificateException or IOException or ArgumentException or InvalidCastException)
        {
            throw new ProtectionException(ProtectionFailure.RecipientInvalid, $"'{source}' is not an X.509 certificate (PEM or DER): {e.Message}", e);
        }

        if (certificates.Count == 0)
        {
            throw new ProtectionException(ProtectionFailure.RecipientInvalid, $"'{source}' holds no X.509 certificate.");
        }

        var recipients = new List<EvidenceRecipient>();
        foreach (X509Certificate certificate in certificates)
        {
            string name = $"The certificate '{certificate.SubjectDN}' (serial {certificate.SerialNumber.ToString(16)}) in '{source}'";
            if (!certificate.IsValid(nowUtc))
            {
                throw new ProtectionException(ProtectionFailure.RecipientInvalid,
                    $"{name} is not valid now: it is valid from {certificate.NotBefore:u} to {certificate.NotAfter:u}.");
            }

            // The key's kind first: an EC certificate for encryption says keyAgreement, and "no keyEncipherment" would
            // send its owner looking for the wrong fix.
            if (certificate.GetPublicKey() is not RsaKeyParameters rsa)
            {
                throw new ProtectionException(ProtectionFailure.RecipientInvalid,
                    $"{name} has {KeyDescription(certificate)}; evidence is encrypted to certificates by RSA key transport only (CMS key agreement is not written). "
                    + "Give an RSA certificate whose key usage includes keyEncipherment, or an OpenPGP key (gpg's cv25519 keys work).");
            }

            // Key usage, when the certificate states it, must allow enciphering keys (what RSA key transport does).
            bool[]? usage = certificate.GetKeyUsage();
            if (usage is not null && !(usage.Length > 2 && usage[2]))
            {
                throw new ProtectionException(ProtectionFailure.RecipientInvalid,
                    $"{name} may not be used for encryption: its key usage does not include keyEncipherment.");
            }

            recipients.Add(new EvidenceRecipient(certificate, rsa));
        }

        return recipients;
    }

    private static string KeyDescription(X509Certificate certificate)
    {
        string oid = certificate.SubjectPublicKeyInfo.Algorithm.Algorithm.Id;
        if (certificate.GetPublicKey() is ECPublicKeyParameters ec)
        {
            string curve = ec.PublicKeyParamSet is { } named
                ? Org.BouncyCastle.Asn1.Nist.NistNamedCurves.GetName(named) ?? Org.BouncyCastle.Asn1.X9.ECNamedCurveTable.GetName(named) ?? named.Id
                : $"{ec.Parameters.Curve.FieldSize}-bit";
            return $"an EC key (curve {curve})";
        }

        return oid switch
        {
            "1.3.101.110" or "1.3.101.111" => "an X25519/X448 key",
            "1.3.101.112" or "1.3.101.113" => "an Ed25519/Ed448 signing key",
            "1.2.840.10040.4.1" => "a DSA signing key",
            _ => $"a key other than RSA (algorithm {oid})",
        };
    }

    private static bool HasExpired(PgpPublicKey key, DateTime nowUtc)
    {
        long seconds = key.GetValidSeconds();
        return seconds > 0 && key.CreationTime.ToUniversalTime().AddSeconds(seconds) <= nowUtc;
    }

    // Key flags decide when a key carries them (a gpg RSA primary key can encrypt by algorithm but is
    // flagged for certifying and signing only); a key without flags is taken by its algorithm.
    private static bool MayEncrypt(PgpPublicKey key)
    {
        int flags = 0;
        bool any = false;
        foreach (PgpSignature signature in key.GetSignatures())
        {
            PgpSignatureSubpacketVector? hashed = signature.GetHashedSubPackets();
            if (hashed is not null && hashed.HasSubpacket(SignatureSubpacketTag.KeyFlags))
            {
                any = true;
                flags |= hashed.GetKeyFlags();
            }
        }

        return !any || (flags & (PgpKeyFlags.CanEncryptCommunications | PgpKeyFlags.CanEncryptStorage)) != 0;
    }
}
