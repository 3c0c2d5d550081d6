using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using KForensics.Core.Evidence;
using KForensics.Core.Evidence.Protection;
using Xunit;

namespace KForensics.Tests.Evidence;

/// <summary>
/// CMS enveloped data on certificates made on the spot (openssl interoperability is the Pester suite's): a round trip
/// keeps every byte with the real hashes, for each recipient; a key that is no recipient, a broken padding block and a
/// cut message fail; an expired or signing-only certificate is refused as a recipient.
/// </summary>
public sealed class CmsEnvelopeTests
{
    private static readonly Lazy<(string Certificate, string Key)> Team = new(() => NewCertificate("CN=team", X509KeyUsageFlags.KeyEncipherment, 0));
    private static readonly Lazy<(string Certificate, string Key)> Backup = new(() => NewCertificate("CN=backup", X509KeyUsageFlags.KeyEncipherment, 0));

    private static (string Certificate, string Key) NewCertificate(string subject, X509KeyUsageFlags usage, int expiredDaysAgo)
    {
        using RSA rsa = RSA.Create(2048);
        var request = new CertificateRequest(subject, rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509KeyUsageExtension(usage, critical: true));
        DateTimeOffset end = expiredDaysAgo > 0 ? DateTimeOffset.UtcNow.AddDays(-expiredDaysAgo) : DateTimeOffset.UtcNow.AddDays(2);
        using X509Certificate2 certificate = request.CreateSelfSigned(end.AddDays(-10), end);
        return (certificate.ExportCertificatePem(), rsa.ExportPkcs8PrivateKeyPem());
    }

    private static List<EvidenceRecipient> Recipients(params string[] pems)
        => pems.SelectMany(p => EvidenceRecipient.Load(new MemoryStream(Encoding.ASCII.GetBytes(p)), "test", DateTime.UtcNow)).ToList();

    private static EvidenceSecretKeys Key(params string[] pems) => EvidenceSecretKeys.Load(new MemoryStream(Encoding.ASCII.GetBytes(string.Join("\n", pems))), "test", []);

    private static (byte[] Plain, byte[] Cipher, ProtectionDigest Digest) Encrypt(int size, params string[] certificates)
    {
        byte[] plain = RandomNumberGenerator.GetBytes(size);
        using var cipher = new MemoryStream();
        ProtectionDigest digest = EvidenceProtector.Encrypt(new MemoryStream(plain), cipher, Recipients(certificates), "evidence.bin", DateTime.UtcNow, null, CancellationToken.None);
        return (plain, cipher.ToArray(), digest);
    }

    private static ProtectionException Refused(byte[] cipher, EvidenceSecretKeys key)
        => Assert.Throws<ProtectionException>(() => EvidenceProtector.Decrypt(new MemoryStream(cipher), new MemoryStream(), key, null, CancellationToken.None));

    [Fact]
    public void RoundTripKeepsEveryByteForEachRecipientAndReportsTheRealHashes()
    {
        var (plain, cipher, digest) = Encrypt(3 * 1024 * 1024 + 17, Team.Value.Certificate, Backup.Value.Certificate);
        Assert.Equal(EvidenceHash.ToHex(SHA256.HashData(plain)), digest.PlaintextSha256);
        Assert.Equal(EvidenceHash.ToHex(SHA256.HashData(cipher)), digest.CiphertextSha256);
        Assert.Equal(cipher.Length, digest.CiphertextBytes);

        // The key alone (tried on each recipient) and the key with its certificate (matched by issuer and serial).
        foreach (EvidenceSecretKeys key in new[] { Key(Team.Value.Key), Key(Backup.Value.Key), Key(Backup.Value.Key, Backup.Value.Certificate) })
        {
            using var output = new MemoryStream();
            DecryptionResult result = EvidenceProtector.Decrypt(new MemoryStream(cipher), output, key, null, CancellationToken.None);
            Assert.Equal(plain, output.ToArray());
            Assert.Equal(ProtectionFormat.Cms, result.Format);
            Assert.False(result.IntegrityChecked);
            Assert.Equal(digest.PlaintextSha256, result.Digest.PlaintextSha256);
            Assert.Equal(digest.CiphertextSha256, result.Digest.CiphertextSha256);
        }
    }

    [Fact]
    public void AKeyThatIsNoRecipientIsTheWrongKey()
    {
        var (_, cipher, _) = Encrypt(1000, Team.Value.Certificate);
        Assert.Equal(ProtectionFailure.WrongKey, Refused(cipher, Key(Backup.Value.Key)).Failure);
        Assert.Equal(ProtectionFailure.WrongKey, Refused(cipher, Key(Backup.Value.Key, Backup.Value.Certificate)).Failure);
    }

    [Fact]
    public void ABrokenPaddingBlockAndACutMessageAreTampered()
    {
        // 64 KiB is a whole number of AES blocks, so the last block is all padding (16 bytes of 0x10), in a chunk of its
        // own (04 10 ...), followed by five end-of-contents octet pairs. Through CBC, the last byte of the block before it
        // (the last byte of the previous chunk) decides the padding's last byte: 0x10 ^ 0x20 is no valid padding.
        var (_, cipher, _) = Encrypt(64 * 1024, Team.Value.Certificate);
        Assert.True(cipher[^10..].All(b => b == 0));
        Assert.Equal(new byte[] { 0x04, 0x10 }, cipher[^28..^26]);
        byte[] padding = (byte[])cipher.Clone();
        padding[^29] ^= 0x20;
        Assert.Equal(ProtectionFailure.Tampered, Refused(padding, Key(Team.Value.Key)).Failure);
        Assert.Equal(ProtectionFailure.Tampered, Refused(cipher[..^40], Key(Team.Value.Key)).Failure);
    }

    [Fact]
    public void AMessageNeverCompletedIsTampered()
    {
        using var cipher = new MemoryStream();
        using (var writer = new ProtectedWriteStream(cipher, Recipients(Team.Value.Certificate), "x", DateTime.UtcNow))
        {
            writer.Write(RandomNumberGenerator.GetBytes(100_000));
        }

        Assert.Equal(ProtectionFailure.Tampered, Refused(cipher.ToArray(), Key(Team.Value.Key)).Failure);
    }

    [Fact]
    public void CertificatesThatMayNotEncryptAndMixedRecipientsAreRefused()
    {
        var expired = NewCertificate("CN=expired", X509KeyUsageFlags.KeyEncipherment, 1);
        var signing = NewCertificate("CN=signing", X509KeyUsageFlags.DigitalSignature, 0);
        Assert.Contains("not valid now", Assert.Throws<ProtectionException>(() => Recipients(expired.Certificate)).Message);
        Assert.Contains("keyEncipherment", Assert.Throws<ProtectionException>(() => Recipients(signing.Certificate)).Message);
        Assert.Equal(ProtectionFailure.KeyInvalid, Assert.Throws<ProtectionException>(() => Key(Team.Value.Certificate)).Failure);
    }

    [Fact]
    public void FormatsAreToldApartByTheirFirstBytes()
    {
        var (_, cipher, _) = Encrypt(100, Team.Value.Certificate);
        string pem = "-----BEGIN CMS-----\n" + Convert.ToBase64String(cipher, Base64FormattingOptions.InsertLineBreaks) + "\n-----END CMS-----\n";
        string smime = "MIME-Version: 1.0\nContent-Type: application/pkcs7-mime; smime-type=enveloped-data\nContent-Transfer-Encoding: base64\n\n"
                       + Convert.ToBase64String(cipher, Base64FormattingOptions.InsertLineBreaks) + "\n";
        foreach (string text in new[] { pem, smime })
        {
            using var output = new MemoryStream();
            DecryptionResult result = EvidenceProtector.Decrypt(new MemoryStream(Encoding.ASCII.GetBytes(text)), output, Key(Team.Value.Key), null, CancellationToken.None);
            Assert.Equal(100, output.Length);
            Assert.Equal(EvidenceHash.ToHex(SHA256.HashData(Encoding.ASCII.GetBytes(text))), result.Digest.CiphertextSha256);
        }

        string notBase64 = smime.Replace("Content-Transfer-Encoding: base64\n", string.Empty, StringComparison.Ordinal);
        Assert.Equal(ProtectionFailure.NotEncrypted, Refused(Encoding.ASCII.GetBytes(notBase64), Key(Team.Value.Key)).Failure);
    }
}
