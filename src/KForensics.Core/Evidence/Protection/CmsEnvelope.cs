using KForensics.Core.IO;
using Org.BouncyCastle.Cms;
using Org.BouncyCastle.Security;

namespace KForensics.Core.Evidence.Protection;

/// <summary>
/// CMS enveloped data (RFC 5652) as openssl cms reads and writes it: a key transport recipient (RSA, PKCS #1 v1.5,
/// as openssl's default) per certificate, AES-256-CBC content, written with indefinite lengths in chunks so a file of
/// any size streams through a fixed buffer. Enveloped data carries no integrity check: a changed byte decrypts to
/// different plaintext, so only the ciphertext's SHA-256 (the custody manifest's) shows a file unchanged.
/// </summary>
internal static class CmsEnvelope
{

    /// <summary>A stream that encrypts what is written to it to every recipient; disposing it ends the message.</summary>
    public static Stream Open(Stream ciphertext, IReadOnlyList<EvidenceRecipient> recipients)
    {
        var generator = new CmsEnvelopedDataStreamGenerator(new SecureRandom());
        generator.SetBufferSize(EvidenceProtector.BufferSize);
        foreach (EvidenceRecipient recipient in recipients)
        {
            generator.AddKeyTransRecipient(recipient.Certificate!);
        }

        return generator.Open(ciphertext, CmsEnvelopedGenerator.Aes256Cbc);
    }

    /// <summary>
    /// Decrypts the message with the first key that opens one of its recipients: a key whose certificate came with
    /// it is matched by the recipient's issuer and serial number, a key alone is tried on each recipient.
    /// Returns the recipient's description (issuer and serial).
    /// </summary>
    public static string Decrypt(Stream message, CmsEncoding encoding, Stream plaintext, EvidenceSecretKeys keys, Action<Stream, Stream> copy)
    {
        var der = new HeadRecordingStream(encoding == CmsEncoding.Der ? message : new Base64BodyStream(message, encoding == CmsEncoding.Pem));
        CmsEnvelopedDataParser parser;
        List<RecipientInformation> recipients;
        List<byte[]?> encryptedKeys;
        try
        {
            parser = new CmsEnvelopedDataParser(der);
            recipients = parser.GetRecipientInfos().GetRecipients().ToList();
            encryptedKeys = EncryptedKeys(der.Head);
        }
        catch (Exception e) when (e is CmsException or IOException or InvalidDataException or ArgumentException or InvalidCastException)
        {
            throw new ProtectionException(ProtectionFailure.NotEncrypted, $"The file is not CMS enveloped data: {e.Message}", e);
        }

        string names = string.Join("; ", recipients.Select(Describe));
        if (keys.CertificateKeys.Count == 0)
        {
            throw new ProtectionException(ProtectionFailure.WrongKey,
                $"The file is CMS enveloped data for the certificate(s) {names}; the key given ('{keys.Source}') is an OpenPGP key, not a certificate's private key.");
        }

        CmsTypedStream? content = null;
        RecipientInformation? opened = null;
        for (int i = 0; i < recipients.Count; i++)
        {
            RecipientInformation recipient = recipients[i];
            byte[]? encryptedKey = i < encryptedKeys.Count ? encryptedKeys[i] : null;
            foreach (CertificateKey key in keys.CertificateKeys.Where(k => k.Certificate is not null
                         ? recipient.RecipientID.Match(k.Certificate)
                         : encryptedKey is not null && OpensKey(k.Key, encryptedKey)))
            {
                try
                {
                    content = recipient.GetContentStream(key.Key);
                    opened = recipient;
                    break;
                }
                catch (Exception e) when (e is CmsException or InvalidKeyException or ArgumentException or Org.BouncyCastle.Crypto.InvalidCipherTextException
                                              or Org.BouncyCastle.Crypto.DataLengthException)
                {
                    // This key does not open this recipient's content key: try the next.
                }
            }

            if (content is not null)
            {
                break;
            }
        }

        if ((content is null || opened is null) && recipients.All(r => r is not KeyTransRecipientInformation))
        {
            throw new ProtectionException(ProtectionFailure.WrongKey,
                $"The file is CMS enveloped data for {names} by {Scheme(recipients[0])}, not RSA key transport: only RSA key transport "
                + "(what this module writes) is decrypted here; openssl cms -decrypt reads this one.");
        }

        if (content is null || opened is null)
        {
            throw new ProtectionException(ProtectionFailure.WrongKey,
                $"The file is encrypted to the certificate(s) {names}, and none of the keys given opens it.");
        }

        try
        {
            copy(content.ContentStream, plaintext);
            // Whatever follows the content (unprotected attributes, the end-of-contents octets) must parse too.
            parser.GetUnprotectedAttributes();
            der.CopyTo(Stream.Null);
        }
        catch (Exception e) when (e is CmsException or IOException or InvalidDataException or ArgumentException or InvalidCastException
                                      or Org.BouncyCastle.Crypto.InvalidCipherTextException or Org.BouncyCastle.Crypto.DataLengthException or EndOfStreamException)
        {
            throw new ProtectionException(ProtectionFailure.Tampered, $"The ciphertext is damaged or was changed: {e.Message}", e);
        }

        return Describe(opened);
    }

    // The recipients' encrypted content keys in the order of the parser's, read again from the message's first bytes
    // (the parser keeps them to itself); null for a recipient that is not key transport.
    private static List<byte[]?> EncryptedKeys(byte[] head)
    {
        var keys = new List<byte[]?>();
        var content = new Org.BouncyCastle.Asn1.Cms.ContentInfoParser((Org.BouncyCastle.Asn1.Asn1SequenceParser)new Org.BouncyCastle.Asn1.Asn1StreamParser(head).ReadObject());
        var enveloped = new Org.BouncyCastle.Asn1.Cms.EnvelopedDataParser((Org.BouncyCastle.Asn1.Asn1SequenceParser)content.GetContent(Org.BouncyCastle.Asn1.Asn1Tags.Sequence));
        enveloped.GetOriginatorInfo();
        Org.BouncyCastle.Asn1.Asn1SetParser set = enveloped.GetRecipientInfos();
        Org.BouncyCastle.Asn1.IAsn1Convertible? item;
        while ((item = set.ReadObject()) is not null)
        {
            var info = Org.BouncyCastle.Asn1.Cms.RecipientInfo.GetInstance(item.ToAsn1Object());
            keys.Add(info.Info is Org.BouncyCastle.Asn1.Cms.KeyTransRecipientInfo transport ? transport.EncryptedKey.GetOctets() : null);
        }

        return keys;
    }

    // A key alone has no name to match a recipient by, and a wrong RSA key does not always fail the unwrap (a random
    // content key comes back instead, which only the padding at the very end would betray). So the key's RSA
    // operation is done here and the PKCS #1 v1.5 block checked strictly: 00 02, eight or more non-zero bytes, 00,
    // and an AES key.
    private static bool OpensKey(Org.BouncyCastle.Crypto.AsymmetricKeyParameter key, byte[] encryptedKey)
    {
        if (key is not Org.BouncyCastle.Crypto.Parameters.RsaKeyParameters rsa)
        {
            return false;
        }

        try
        {
            var engine = new Org.BouncyCastle.Crypto.Engines.RsaBlindedEngine();
            engine.Init(false, rsa);
            byte[] block = engine.ProcessBlock(encryptedKey, 0, encryptedKey.Length);
            int size = (rsa.Modulus.BitLength + 7) / 8;
            // The engine drops the leading zero byte.
            if (block.Length != size - 1 || block[0] != 0x02)
            {
                return false;
            }

            int separator = Array.IndexOf(block, (byte)0, 1);
            int keyLength = block.Length - separator - 1;
            return separator >= 9 && keyLength is 16 or 24 or 32;
        }
        catch (Exception e) when (e is Org.BouncyCastle.Crypto.DataLengthException or ArgumentException)
        {
            return false;
        }
    }

    private static string Scheme(RecipientInformation recipient) => recipient switch
    {
        KeyAgreeRecipientInformation => "key agreement (an EC or DH certificate)",
        KekRecipientInformation => "a pre-shared key-encryption key",
        PasswordRecipientInformation => "a password",
        _ => recipient.GetType().Name,
    };

    private static string Describe(RecipientInformation recipient)
    {
        RecipientID id = recipient.RecipientID;
        return id.SerialNumber is not null
            ? $"'{id.Issuer}' serial {id.SerialNumber.ToString(16).ToUpperInvariant()}"
            : id.SubjectKeyIdentifier is byte[] ski ? $"subject key {Convert.ToHexString(ski)}" : recipient.GetType().Name;
    }
}

/// <summary>A pass-through that keeps a copy of the first bytes read (up to a mebibyte), for a second look at a header.</summary>
internal sealed class HeadRecordingStream(Stream inner) : ForwardReadStream
{
    private readonly MemoryStream _head = new();

    public byte[] Head => _head.ToArray();

    public override int Read(Span<byte> buffer)
    {
        int n = inner.Read(buffer);
        if (_head.Length < 1 << 20)
        {
            _head.Write(buffer[..Math.Min(n, (1 << 20) - (int)_head.Length)]);
        }

        return n;
    }
}
