using Org.BouncyCastle.Bcpg;
using Org.BouncyCastle.Bcpg.OpenPgp;

namespace KForensics.Core.Evidence.Protection;

/// <summary>
/// One OpenPGP public key evidence is encrypted to: the key of a certificate (a transferable public key, as
/// <c>gpg --export</c> writes it) that is valid now and flagged for encryption.
/// </summary>
public sealed class EvidenceRecipient
{
    private EvidenceRecipient(PgpPublicKey key, PgpPublicKey primary)
    {
        Key = key;
        Fingerprint = Convert.ToHexString(key.GetFingerprint());
        KeyId = key.KeyId.ToString("X16", System.Globalization.CultureInfo.InvariantCulture);
        PrimaryFingerprint = Convert.ToHexString(primary.GetFingerprint());
        UserId = primary.GetUserIds().FirstOrDefault() ?? string.Empty;
        Algorithm = key.Algorithm.ToString();
    }

    /// <summary>The fingerprint of the encryption key (often a subkey), upper-case hex as gpg prints it.</summary>
    public string Fingerprint { get; }

    public string KeyId { get; }

    /// <summary>The fingerprint of the certificate's primary key, the one people compare.</summary>
    public string PrimaryFingerprint { get; }

    public string UserId { get; }

    public string Algorithm { get; }

    internal PgpPublicKey Key { get; }

    public override string ToString() => $"{UserId} ({PrimaryFingerprint})";

    /// <summary>
    /// The recipients in an OpenPGP public key file or block (armored or binary): for each certificate, its
    /// newest key that is valid now and may encrypt. A certificate without one is refused by name.
    /// </summary>
    public static IReadOnlyList<EvidenceRecipient> Load(Stream keys, string source, DateTime nowUtc)
    {
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
