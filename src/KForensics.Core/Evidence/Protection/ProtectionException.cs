namespace KForensics.Core.Evidence.Protection;

/// <summary>Why encrypted evidence could not be made or opened.</summary>
public enum ProtectionFailure
{
    /// <summary>A recipient is not an OpenPGP public key, or has no valid key for encryption.</summary>
    RecipientInvalid,

    /// <summary>The secret key given is not an OpenPGP secret key, or its passphrase is wrong.</summary>
    KeyInvalid,

    /// <summary>The file is not encrypted to any of the secret keys given.</summary>
    WrongKey,

    /// <summary>The file is not OpenPGP encrypted data.</summary>
    NotEncrypted,

    /// <summary>The ciphertext was changed: the integrity check (MDC) or the packet structure failed.</summary>
    Tampered,

    /// <summary>The file decrypts, but without an integrity check, so tampering could not be ruled out.</summary>
    NotIntegrityProtected,

    /// <summary>The file's hash disagrees with its custody manifest.</summary>
    ManifestMismatch,
}

/// <summary>A failure to encrypt or decrypt evidence; <see cref="Failure"/> says which.</summary>
public sealed class ProtectionException : Exception
{
    public ProtectionException(ProtectionFailure failure, string message, Exception? inner = null)
        : base(message, inner)
    {
        Failure = failure;
    }

    public ProtectionFailure Failure { get; }
}
