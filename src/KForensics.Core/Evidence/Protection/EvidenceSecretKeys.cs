using Org.BouncyCastle.Bcpg.OpenPgp;

namespace KForensics.Core.Evidence.Protection;

/// <summary>
/// OpenPGP secret keys (as <c>gpg --export-secret-keys</c> writes them, armored or binary) and the passphrase
/// that unlocks them; a key is unlocked only when a message is encrypted to it.
/// </summary>
public sealed class EvidenceSecretKeys
{
    private readonly PgpSecretKeyRingBundle _bundle;
    private readonly char[] _passphrase;
    private readonly string _source;

    private EvidenceSecretKeys(PgpSecretKeyRingBundle bundle, char[] passphrase, string source)
    {
        _bundle = bundle;
        _passphrase = passphrase;
        _source = source;
    }

    public static EvidenceSecretKeys Load(Stream keys, string source, char[] passphrase)
    {
        try
        {
            var bundle = new PgpSecretKeyRingBundle(PgpUtilities.GetDecoderStream(keys));
            if (bundle.Count == 0)
            {
                throw new ProtectionException(ProtectionFailure.KeyInvalid, $"'{source}' holds no OpenPGP secret key.");
            }

            return new EvidenceSecretKeys(bundle, passphrase, source);
        }
        catch (Exception e) when (e is PgpException or IOException or ArgumentException or InvalidCastException)
        {
            throw new ProtectionException(ProtectionFailure.KeyInvalid,
                $"'{source}' is not an OpenPGP secret key (export it with gpg --export-secret-keys --armor): {e.Message}", e);
        }
    }

    /// <summary>The unlocked private key with this id, or null when none of the keys has it.</summary>
    internal PgpPrivateKey? Find(long keyId)
    {
        PgpSecretKey? secret = _bundle.GetSecretKey(keyId);
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
}
