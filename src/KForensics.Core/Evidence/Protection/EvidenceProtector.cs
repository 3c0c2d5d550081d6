using Org.BouncyCastle.Bcpg;
using Org.BouncyCastle.Bcpg.OpenPgp;
using Org.BouncyCastle.Security;

namespace KForensics.Core.Evidence.Protection;

/// <summary>The hashes and sizes of one encryption or decryption, both sides measured in the same pass.</summary>
public sealed record ProtectionDigest(long PlaintextBytes, string PlaintextSha256, long CiphertextBytes, string CiphertextSha256);

/// <summary>
/// What one decryption found: the hashes, the key that opened it (an OpenPGP key id, or a certificate's issuer and
/// serial), the OpenPGP literal data's name, the format, and whether the format itself checked integrity.
/// </summary>
public sealed record DecryptionResult(ProtectionDigest Digest, string KeyId, string LiteralName, ProtectionFormat Format, bool IntegrityChecked);

/// <summary>
/// Encryption of evidence in a standard format. To OpenPGP keys, as gpg reads it: a public-key encrypted session key
/// per recipient, AES-256 in a symmetrically encrypted integrity-protected data packet (MDC), one binary literal data
/// packet inside, all in partial-length packets. To certificates, CMS enveloped data as openssl cms reads it (see
/// <see cref="CmsEnvelope"/>). Either streams a file of any size through a fixed buffer in either direction.
/// </summary>
public static class EvidenceProtector
{
    internal const int BufferSize = 1 << 16;
    private const long CollectEvery = 1 << 20;

    /// <summary>Encrypts <paramref name="plaintext"/> to every recipient and writes the message to <paramref name="ciphertext"/>.</summary>
    public static ProtectionDigest Encrypt(Stream plaintext, Stream ciphertext, IReadOnlyList<EvidenceRecipient> recipients, string literalName,
        DateTime modifiedUtc, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        using var writer = new ProtectedWriteStream(ciphertext, recipients, literalName, modifiedUtc);
        Copy(plaintext, writer, progress, cancellationToken);
        return writer.Complete();
    }

    /// <summary>
    /// Decrypts an OpenPGP message or CMS enveloped data (DER, PEM or S/MIME, as openssl cms writes it) with the
    /// first of <paramref name="keys"/> it is encrypted to and writes the plaintext to <paramref name="plaintext"/>.
    /// OpenPGP's integrity check runs after the last byte, CBC's padding check too: a caller must discard what was
    /// written when this throws. An OpenPGP message without an integrity check is refused; CMS enveloped data has
    /// none (<see cref="DecryptionResult.IntegrityChecked"/> is false), so its caller compares the ciphertext's hash.
    /// </summary>
    public static DecryptionResult Decrypt(Stream ciphertext, Stream plaintext, EvidenceSecretKeys keys,
        IProgress<long>? progress, CancellationToken cancellationToken)
    {
        using var cipherHash = new HashingReadStream(ciphertext, leaveOpen: true);
        using var plainHash = new HashingWriteStream(plaintext, leaveOpen: true);
        var peeked = new PeekedStream(cipherHash, 64);
        if (ProtectionSniffer.CmsEncodingOf(peeked.Head) is CmsEncoding encoding)
        {
            string recipient = CmsEnvelope.Decrypt(peeked, encoding, plainHash, keys, (from, to) => Copy(from, to, progress, cancellationToken));
            cipherHash.CopyTo(Stream.Null);
            plainHash.Flush();
            return new DecryptionResult(new ProtectionDigest(plainHash.BytesWritten, plainHash.Sha256, cipherHash.BytesRead, cipherHash.CurrentSha256),
                recipient, string.Empty, ProtectionFormat.Cms, IntegrityChecked: false);
        }

        PgpEncryptedDataList list = ReadEncryptedDataList(peeked);
        PgpPublicKeyEncryptedData? data = null;
        PgpPrivateKey? privateKey = null;
        foreach (PgpEncryptedData candidate in list.GetEncryptedDataObjects())
        {
            if (candidate is PgpPublicKeyEncryptedData pk && keys.Find(pk.KeyId) is PgpPrivateKey found)
            {
                data = pk;
                privateKey = found;
                break;
            }
        }

        if (data is null || privateKey is null)
        {
            string ids = string.Join(", ", list.GetEncryptedDataObjects().OfType<PgpPublicKeyEncryptedData>()
                .Select(p => p.KeyId.ToString("X16", System.Globalization.CultureInfo.InvariantCulture)));
            throw new ProtectionException(ProtectionFailure.WrongKey, keys.HasOpenPgp
                ? $"The file is encrypted to the key(s) {(ids.Length == 0 ? "(none: a passphrase)" : ids)}, and none of the secret keys given is one of them."
                : $"The file is OpenPGP encrypted to the key(s) {(ids.Length == 0 ? "(none: a passphrase)" : ids)}; the key given ('{keys.Source}') is a certificate's private key, not an OpenPGP secret key.");
        }

        string literalName;
        try
        {
            Stream clear = data.GetDataStream(privateKey);
            PgpObject message = new PgpObjectFactory(clear).NextPgpObject();
            if (message is PgpCompressedData compressed)
            {
                message = new PgpObjectFactory(compressed.GetDataStream()).NextPgpObject();
            }

            if (message is not PgpLiteralData literal)
            {
                throw new ProtectionException(ProtectionFailure.Tampered,
                    $"The decrypted message holds {message?.GetType().Name ?? "nothing"} instead of literal data.");
            }

            literalName = literal.FileName;
            Copy(literal.GetInputStream(), plainHash, progress, cancellationToken);
            // Whatever follows the literal data (the MDC packet) must be read before it can be checked.
            clear.CopyTo(Stream.Null);
            if (!data.IsIntegrityProtected())
            {
                throw new ProtectionException(ProtectionFailure.NotIntegrityProtected,
                    "The file decrypts but carries no integrity check (MDC), so a change to it could not be detected; it is refused.");
            }

            if (!data.Verify())
            {
                throw new ProtectionException(ProtectionFailure.Tampered,
                    "The ciphertext was changed: its integrity check (MDC) does not match the decrypted data.");
            }
        }
        catch (Exception e) when (e is PgpException or IOException or InvalidDataException or ArgumentException or InvalidCastException
                                      or Org.BouncyCastle.Crypto.InvalidCipherTextException or EndOfStreamException)
        {
            throw new ProtectionException(ProtectionFailure.Tampered, $"The ciphertext is damaged or was changed: {e.Message}", e);
        }

        cipherHash.CopyTo(Stream.Null);
        plainHash.Flush();
        var digest = new ProtectionDigest(plainHash.BytesWritten, plainHash.Sha256, cipherHash.BytesRead, cipherHash.CurrentSha256);
        return new DecryptionResult(digest, privateKey.KeyId.ToString("X16", System.Globalization.CultureInfo.InvariantCulture), literalName, ProtectionFormat.OpenPgp,
            IntegrityChecked: true);
    }

    private static PgpEncryptedDataList ReadEncryptedDataList(PeekedStream input)
    {
        try
        {
            // Binary packets have the top bit of their first byte set; anything else is taken as armor.
            PeekedStream peeked = input;
            Stream packets = peeked.First >= 0 && (peeked.First & 0x80) != 0 ? peeked : new ArmoredInputStream(peeked);
            var factory = new PgpObjectFactory(packets);
            PgpObject? first = factory.NextPgpObject();
            while (first is PgpMarker)
            {
                first = factory.NextPgpObject();
            }

            return first as PgpEncryptedDataList
                ?? throw new ProtectionException(ProtectionFailure.NotEncrypted,
                    $"The file is not OpenPGP encrypted data (it starts with {first?.GetType().Name ?? "no OpenPGP packet"}).");
        }
        catch (Exception e) when (e is PgpException or IOException or ArgumentException or InvalidCastException)
        {
            throw new ProtectionException(ProtectionFailure.NotEncrypted, $"The file is not OpenPGP encrypted data: {e.Message}", e);
        }
    }

    private static void Copy(Stream from, Stream to, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        byte[] buffer = new byte[BufferSize];
        long total = 0;
        long sinceCollect = 0;
        int n;
        while ((n = from.Read(buffer, 0, buffer.Length)) > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            to.Write(buffer, 0, n);
            total += n;
            sinceCollect += n;
            progress?.Report(total);
            // BouncyCastle's cipher streams allocate a fresh output array for every write, a byte of garbage per
            // byte encrypted; the runtime lets the youngest generation grow to tens of megabytes before it
            // collects, so a small collection every megabyte keeps the working set flat (CMS decryption, through
            // BouncyCastle's parser, buffered and cipher streams, makes several times more garbage per byte than OpenPGP).
            if (sinceCollect >= CollectEvery)
            {
                sinceCollect = 0;
                GC.Collect(0, GCCollectionMode.Forced, blocking: true);
            }
        }
    }
}
