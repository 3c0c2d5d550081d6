using Org.BouncyCastle.Bcpg.OpenPgp;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.OpenSsl;
using Org.BouncyCastle.Pkcs;
using Org.BouncyCastle.X509;

namespace KForensics.Core.Evidence.Protection;

/// <summary>
/// The secret keys evidence is decrypted with: OpenPGP secret keys (as <c>gpg --export-secret-keys</c> writes them,
/// armored or binary) and the passphrase that unlocks them, or the RSA private keys of X.509 certificates (a PFX /
/// PKCS #12 file, a PEM private key, with or without its certificate, or a certificate that carries its key).
/// An OpenPGP key is unlocked only when a message is encrypted to it.
/// </summary>
public sealed class EvidenceSecretKeys
{
    private readonly PgpSecretKeyRingBundle? _bundle;
    private readonly char[] _passphrase;
    private readonly string _source;

    private EvidenceSecretKeys(PgpSecretKeyRingBundle? bundle, IReadOnlyList<CertificateKey> certificateKeys, char[] passphrase, string source)
    {
        _bundle = bundle;
        CertificateKeys = certificateKeys;
        _passphrase = passphrase;
        _source = source;
    }

    /// <summary>The RSA private keys for CMS, each with its certificate when one came with it.</summary>
    internal IReadOnlyList<CertificateKey> CertificateKeys { get; }

    internal bool HasOpenPgp => _bundle is not null;

    internal string Source => _source;

    public static EvidenceSecretKeys Load(Stream keys, string source, char[] passphrase)
    {
        var peeked = new PeekedStream(keys, 64);
        string text = System.Text.Encoding.Latin1.GetString(peeked.Head).TrimStart();
        if (peeked.First == 0x30)
        {
            return LoadPkcs12(peeked, source, passphrase);
        }

        if (text.StartsWith("-----BEGIN ", StringComparison.Ordinal) && !text.StartsWith("-----BEGIN PGP", StringComparison.Ordinal))
        {
            return LoadPem(peeked, source, passphrase);
        }

        try
        {
            // OpenPGP's decoder needs a stream it can seek in; a key file is small.
            var buffered = new MemoryStream();
            peeked.CopyTo(buffered);
            buffered.Position = 0;
            var bundle = new PgpSecretKeyRingBundle(PgpUtilities.GetDecoderStream(buffered));
            if (bundle.Count == 0)
            {
                throw new ProtectionException(ProtectionFailure.KeyInvalid, $"'{source}' holds no OpenPGP secret key.");
            }

            return new EvidenceSecretKeys(bundle, [], passphrase, source);
        }
        catch (Exception e) when (e is PgpException or IOException or ArgumentException or InvalidCastException)
        {
            throw new ProtectionException(ProtectionFailure.KeyInvalid,
                $"'{source}' is not an OpenPGP secret key (export it with gpg --export-secret-keys --armor), a PFX file or a PEM private key: {e.Message}", e);
        }
    }

    /// <summary>The key of a certificate that carries one (an X509Certificate2 from a PFX or the certificate store).</summary>
    public static EvidenceSecretKeys FromCertificate(System.Security.Cryptography.X509Certificates.X509Certificate2 certificate, string source)
    {
        using System.Security.Cryptography.RSA? rsa = certificate.HasPrivateKey ? System.Security.Cryptography.X509Certificates.RSACertificateExtensions.GetRSAPrivateKey(certificate) : null;
        if (rsa is null)
        {
            throw new ProtectionException(ProtectionFailure.KeyInvalid, $"The certificate '{certificate.Subject}' ({source}) carries no RSA private key.");
        }

        try
        {
            AsymmetricKeyParameter key = Org.BouncyCastle.Security.DotNetUtilities.GetRsaKeyPair(rsa.ExportParameters(true)).Private;
            return new EvidenceSecretKeys(null, [new CertificateKey(new X509CertificateParser().ReadCertificate(certificate.RawData), key)], [], source);
        }
        catch (System.Security.Cryptography.CryptographicException e)
        {
            throw new ProtectionException(ProtectionFailure.KeyInvalid, $"The private key of the certificate '{certificate.Subject}' cannot be exported to decrypt with: {e.Message}", e);
        }
    }

    /// <summary>The unlocked private key with this id, or null when none of the keys has it.</summary>
    internal PgpPrivateKey? Find(long keyId)
    {
        PgpSecretKey? secret = _bundle?.GetSecretKey(keyId);
        if (secret is null)
        {
            return null;
        }

        try
        {
            return secret.ExtractPrivateKey(_passphrase);
        }
        catch (PgpException e)
        {
            throw new ProtectionException(ProtectionFailure.KeyInvalid,
                $"The secret key {keyId:X16} in '{_source}' cannot be unlocked: the passphrase is wrong ({e.Message}).", e);
        }
    }

    private static EvidenceSecretKeys LoadPkcs12(Stream input, string source, char[] passphrase)
    {
        Pkcs12Store store = new Pkcs12StoreBuilder().Build();
        try
        {
            store.Load(input, passphrase);
        }
        catch (Exception e) when (e is IOException or ArgumentException or InvalidCastException or Org.BouncyCastle.Security.GeneralSecurityException
                                      or Org.BouncyCastle.Crypto.InvalidCipherTextException)
        {
            bool mac = e.Message.Contains("MAC", StringComparison.OrdinalIgnoreCase) || e.Message.Contains("password", StringComparison.OrdinalIgnoreCase);
            throw new ProtectionException(ProtectionFailure.KeyInvalid, mac
                ? $"The PFX file '{source}' cannot be opened: the passphrase is wrong or the file is damaged ({e.Message})."
                : $"'{source}' is not a PFX (PKCS #12) file: {e.Message}", e);
        }

        var keys = new List<CertificateKey>();
        foreach (string alias in store.Aliases)
        {
            if (store.IsKeyEntry(alias) && store.GetKey(alias).Key is AsymmetricKeyParameter { IsPrivate: true } key)
            {
                keys.Add(new CertificateKey(store.GetCertificate(alias)?.Certificate, key));
            }
        }

        return keys.Count == 0
            ? throw new ProtectionException(ProtectionFailure.KeyInvalid, $"The PFX file '{source}' holds no private key.")
            : new EvidenceSecretKeys(null, keys, passphrase, source);
    }

    private static EvidenceSecretKeys LoadPem(Stream input, string source, char[] passphrase)
    {
        var privateKeys = new List<AsymmetricKeyParameter>();
        var certificates = new List<X509Certificate>();
        try
        {
            using var text = new StreamReader(input, System.Text.Encoding.ASCII, false, 4096, leaveOpen: true);
            var reader = new PemReader(text, new Passphrase(passphrase, source));
            object? item;
            while ((item = reader.ReadObject()) is not null)
            {
                switch (item)
                {
                    case AsymmetricCipherKeyPair pair:
                        privateKeys.Add(pair.Private);
                        break;
                    case AsymmetricKeyParameter { IsPrivate: true } key:
                        privateKeys.Add(key);
                        break;
                    case X509Certificate certificate:
                        certificates.Add(certificate);
                        break;
                }
            }
        }
        catch (ProtectionException)
        {
            throw;
        }
        catch (Exception e) when (e is IOException or ArgumentException or InvalidCastException or Org.BouncyCastle.Security.GeneralSecurityException
                                      or Org.BouncyCastle.Crypto.InvalidCipherTextException or PemException)
        {
            throw new ProtectionException(ProtectionFailure.KeyInvalid,
                $"'{source}' cannot be read as a PEM private key{(passphrase.Length > 0 ? " (or the passphrase is wrong)" : string.Empty)}: {e.Message}", e);
        }

        if (privateKeys.Count == 0)
        {
            throw new ProtectionException(ProtectionFailure.KeyInvalid, $"'{source}' holds no private key.");
        }

        // A certificate that came in the same file is paired with its key, so the recipient can be matched by name.
        var keys = privateKeys.Select(k => new CertificateKey(
            certificates.FirstOrDefault(c => k is RsaPrivateCrtKeyParameters rsa && c.GetPublicKey() is RsaKeyParameters pub && pub.Modulus.Equals(rsa.Modulus)), k)).ToList();
        return new EvidenceSecretKeys(null, keys, passphrase, source);
    }

    private sealed class Passphrase(char[] passphrase, string source) : IPasswordFinder
    {
        public char[] GetPassword() => passphrase.Length > 0
            ? passphrase
            : throw new ProtectionException(ProtectionFailure.KeyInvalid, $"The private key in '{source}' is encrypted: give its passphrase.");
    }
}

/// <summary>An RSA private key for CMS, and its certificate when known.</summary>
internal sealed record CertificateKey(X509Certificate? Certificate, AsymmetricKeyParameter Key);
