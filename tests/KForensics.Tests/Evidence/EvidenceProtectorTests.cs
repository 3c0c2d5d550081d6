using System.Security.Cryptography;
using KForensics.Core.Evidence;
using KForensics.Core.Evidence.Protection;
using Org.BouncyCastle.Bcpg;
using Org.BouncyCastle.Bcpg.OpenPgp;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.Security;
using Xunit;

namespace KForensics.Tests.Evidence;

/// <summary>
/// The OpenPGP engine on keys made on the spot (gpg interoperability is the Pester suite's): a round trip keeps every
/// byte and both hashes are the real ones; a changed, cut or unfinished ciphertext, a wrong key and a wrong passphrase fail.
/// </summary>
public sealed class EvidenceProtectorTests
{
    private static readonly Lazy<(byte[] Public, byte[] Secret)> Alice = new(() => NewKey("alice <alice@kforensics.test>", "alice-pass"));
    private static readonly Lazy<(byte[] Public, byte[] Secret)> Bob = new(() => NewKey("bob <bob@kforensics.test>", "bob-pass"));

    private static (byte[] Public, byte[] Secret) NewKey(string userId, string passphrase)
    {
        var generator = GeneratorUtilities.GetKeyPairGenerator("RSA");
        generator.Init(new RsaKeyGenerationParameters(BigInteger.ValueOf(0x10001), new SecureRandom(), 2048, 12));
        var pair = new PgpKeyPair(PublicKeyAlgorithmTag.RsaGeneral, generator.GenerateKeyPair(), DateTime.UtcNow.AddMinutes(-1));
        var ring = new PgpKeyRingGenerator(PgpSignature.PositiveCertification, pair, userId, SymmetricKeyAlgorithmTag.Aes256,
            passphrase.ToCharArray(), true, null, null, new SecureRandom());
        return (ring.GeneratePublicKeyRing().GetEncoded(), ring.GenerateSecretKeyRing().GetEncoded());
    }

    private static List<EvidenceRecipient> Recipients(params byte[][] keys)
        => keys.SelectMany(k => EvidenceRecipient.Load(new MemoryStream(k), "test", DateTime.UtcNow)).ToList();

    private static EvidenceSecretKeys Secret(byte[] key, string passphrase) => EvidenceSecretKeys.Load(new MemoryStream(key), "test", passphrase.ToCharArray());

    private static (byte[] Plain, byte[] Cipher, ProtectionDigest Digest) Encrypt(int size, params byte[][] keys)
    {
        byte[] plain = RandomNumberGenerator.GetBytes(size);
        using var cipher = new MemoryStream();
        ProtectionDigest digest = EvidenceProtector.Encrypt(new MemoryStream(plain), cipher, Recipients(keys), "evidence.bin", DateTime.UtcNow, null, CancellationToken.None);
        return (plain, cipher.ToArray(), digest);
    }

    [Fact]
    public void RoundTripKeepsEveryByteAndReportsTheRealHashes()
    {
        var (plain, cipher, digest) = Encrypt(3 * 1024 * 1024 + 17, Alice.Value.Public, Bob.Value.Public);
        Assert.Equal(EvidenceHash.ToHex(SHA256.HashData(plain)), digest.PlaintextSha256);
        Assert.Equal(EvidenceHash.ToHex(SHA256.HashData(cipher)), digest.CiphertextSha256);
        Assert.Equal(plain.Length, digest.PlaintextBytes);
        Assert.Equal(cipher.Length, digest.CiphertextBytes);

        foreach (var (key, pass) in new[] { (Alice.Value.Secret, "alice-pass"), (Bob.Value.Secret, "bob-pass") })
        {
            using var output = new MemoryStream();
            var (back, _, name, _, _) = EvidenceProtector.Decrypt(new MemoryStream(cipher), output, Secret(key, pass), null, CancellationToken.None);
            Assert.Equal(plain, output.ToArray());
            Assert.Equal("evidence.bin", name);
            Assert.Equal(digest.PlaintextSha256, back.PlaintextSha256);
            Assert.Equal(digest.CiphertextSha256, back.CiphertextSha256);
        }
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(0.999)]
    public void AChangedByteIsTampered(double where)
    {
        var (_, cipher, _) = Encrypt(256 * 1024, Alice.Value.Public);
        cipher[(int)(cipher.Length * where)] ^= 0x20;
        var e = Assert.Throws<ProtectionException>(() =>
            EvidenceProtector.Decrypt(new MemoryStream(cipher), new MemoryStream(), Secret(Alice.Value.Secret, "alice-pass"), null, CancellationToken.None));
        Assert.Equal(ProtectionFailure.Tampered, e.Failure);
    }

    [Fact]
    public void ACutCiphertextIsTampered()
    {
        var (_, cipher, _) = Encrypt(200 * 1024, Alice.Value.Public);
        var e = Assert.Throws<ProtectionException>(() =>
            EvidenceProtector.Decrypt(new MemoryStream(cipher[..^40]), new MemoryStream(), Secret(Alice.Value.Secret, "alice-pass"), null, CancellationToken.None));
        Assert.Equal(ProtectionFailure.Tampered, e.Failure);
    }

    [Fact]
    public void AMessageNeverCompletedIsRefused()
    {
        using var cipher = new MemoryStream();
        using (var writer = new ProtectedWriteStream(cipher, Recipients(Alice.Value.Public), "x", DateTime.UtcNow))
        {
            writer.Write(RandomNumberGenerator.GetBytes(100_000));
        }

        var e = Assert.Throws<ProtectionException>(() =>
            EvidenceProtector.Decrypt(new MemoryStream(cipher.ToArray()), new MemoryStream(), Secret(Alice.Value.Secret, "alice-pass"), null, CancellationToken.None));
        Assert.Equal(ProtectionFailure.Tampered, e.Failure);
    }

    [Fact]
    public void TheWrongKeyAndTheWrongPassphraseAreNamed()
    {
        var (_, cipher, _) = Encrypt(1000, Alice.Value.Public);
        var wrongKey = Assert.Throws<ProtectionException>(() =>
            EvidenceProtector.Decrypt(new MemoryStream(cipher), new MemoryStream(), Secret(Bob.Value.Secret, "bob-pass"), null, CancellationToken.None));
        Assert.Equal(ProtectionFailure.WrongKey, wrongKey.Failure);
        var wrongPass = Assert.Throws<ProtectionException>(() =>
            EvidenceProtector.Decrypt(new MemoryStream(cipher), new MemoryStream(), Secret(Alice.Value.Secret, "nope"), null, CancellationToken.None));
        Assert.Equal(ProtectionFailure.KeyInvalid, wrongPass.Failure);
    }

    [Fact]
    public void WhatIsNotAKeyOrNotEncryptedIsRefused()
    {
        Assert.Equal(ProtectionFailure.RecipientInvalid,
            Assert.Throws<ProtectionException>(() => EvidenceRecipient.Load(new MemoryStream("hello"u8.ToArray()), "x", DateTime.UtcNow)).Failure);
        Assert.Equal(ProtectionFailure.KeyInvalid,
            Assert.Throws<ProtectionException>(() => EvidenceSecretKeys.Load(new MemoryStream(Alice.Value.Public), "x", [])).Failure);
        Assert.Equal(ProtectionFailure.NotEncrypted, Assert.Throws<ProtectionException>(() =>
            EvidenceProtector.Decrypt(new MemoryStream(RandomNumberGenerator.GetBytes(64).Select(b => (byte)(b & 0x7F)).ToArray()), new MemoryStream(),
                Secret(Alice.Value.Secret, "alice-pass"), null, CancellationToken.None)).Failure);
    }

    [Fact]
    public void AMessageWithoutIntegrityCheckIsRefused()
    {
        byte[] plain = RandomNumberGenerator.GetBytes(5000);
        using var cipher = new MemoryStream();
        var generator = new PgpEncryptedDataGenerator(SymmetricKeyAlgorithmTag.Aes256, withIntegrityPacket: false, new SecureRandom());
        generator.AddMethod(new PgpPublicKeyRing(Alice.Value.Public).GetPublicKeys().Last(k => k.IsEncryptionKey));
        using (Stream encrypted = generator.Open(cipher, new byte[4096]))
        using (Stream literal = new PgpLiteralDataGenerator().Open(encrypted, PgpLiteralData.Binary, "x", DateTime.UtcNow, new byte[4096]))
        {
            literal.Write(plain);
        }

        var e = Assert.Throws<ProtectionException>(() =>
            EvidenceProtector.Decrypt(new MemoryStream(cipher.ToArray()), new MemoryStream(), Secret(Alice.Value.Secret, "alice-pass"), null, CancellationToken.None));
        Assert.Equal(ProtectionFailure.NotIntegrityProtected, e.Failure);
    }
}
