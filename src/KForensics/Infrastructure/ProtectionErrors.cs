using System.Management.Automation;
using System.Runtime.InteropServices;
using System.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using KForensics.Core.Evidence.Protection;

namespace KForensics.Infrastructure;

/// <summary>Loads -Recipient and -Key for the cmdlets that encrypt or decrypt, and maps protection failures to error records.</summary>
internal static class ProtectionErrors
{
    private const string TextStart = "-----BEGIN ";

    /// <summary>
    /// Every recipient of -Recipient (OpenPGP key files or armored key blocks, certificate files in PEM or DER, PEM
    /// certificate text, X509Certificate2 objects), all of one kind, or a terminating error naming the bad one.
    /// </summary>
    public static IReadOnlyList<EvidenceRecipient> LoadRecipients(PSCmdlet cmdlet, IEnumerable<object> recipients)
    {
        var loaded = new List<EvidenceRecipient>();
        foreach (object value in recipients)
        {
            object recipient = value is PSObject ps ? ps.BaseObject : value;
            try
            {
                if (recipient is X509Certificate2 certificate)
                {
                    loaded.Add(EvidenceRecipient.FromCertificate(certificate.RawData, $"the certificate {certificate.Subject}", DateTime.UtcNow));
                    continue;
                }

                using Stream keys = Open(cmdlet, recipient is FileInfo file ? file.FullName : recipient.ToString() ?? string.Empty, out string source);
                loaded.AddRange(EvidenceRecipient.Load(keys, source, DateTime.UtcNow));
            }
            catch (ProtectionException e)
            {
                cmdlet.ThrowTerminatingError(ToErrorRecord(e, recipient));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                cmdlet.ThrowTerminatingError(ErrorRecords.Create($"Cannot read the recipient key '{recipient}': {e.Message}",
                    ErrorIds.EvidenceRecipientInvalid, ErrorCategory.InvalidArgument, recipient, e));
            }
        }

        List<EvidenceRecipient> distinct = loaded.DistinctBy(r => r.Fingerprint).ToList();
        try
        {
            EvidenceFileProtection.FormatOf(distinct);
        }
        catch (ProtectionException e)
        {
            cmdlet.ThrowTerminatingError(ToErrorRecord(e, recipients));
        }

        return distinct;
    }

    /// <summary>
    /// The secret keys of -Key (an OpenPGP secret key file or armored block, a PFX file, a PEM private key file or
    /// text, or an X509Certificate2 with its private key), unlocked with -Passphrase, or a terminating error.
    /// </summary>
    public static EvidenceSecretKeys LoadSecretKeys(PSCmdlet cmdlet, object key, SecureString? passphrase)
    {
        key = key is PSObject ps ? ps.BaseObject : key;
        try
        {
            if (key is X509Certificate2 certificate)
            {
                return EvidenceSecretKeys.FromCertificate(certificate, $"the certificate {certificate.Subject}");
            }

            using Stream keys = Open(cmdlet, key is FileInfo file ? file.FullName : key.ToString() ?? string.Empty, out string source);
            return EvidenceSecretKeys.Load(keys, source, Plain(passphrase));
        }
        catch (ProtectionException e)
        {
            cmdlet.ThrowTerminatingError(ToErrorRecord(e, key));
            throw;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            cmdlet.ThrowTerminatingError(ErrorRecords.Create($"Cannot read the secret key '{key}': {e.Message}",
                ErrorIds.EvidenceKeyInvalid, ErrorCategory.InvalidArgument, key, e));
            throw;
        }
    }

    public static ErrorRecord ToErrorRecord(ProtectionException e, object target) => e.Failure switch
    {
        ProtectionFailure.RecipientInvalid => ErrorRecords.Create(e, ErrorIds.EvidenceRecipientInvalid, ErrorCategory.InvalidArgument, target),
        ProtectionFailure.KeyInvalid => ErrorRecords.Create(e, ErrorIds.EvidenceKeyInvalid, ErrorCategory.AuthenticationError, target),
        ProtectionFailure.WrongKey => ErrorRecords.Create(e, ErrorIds.EvidenceWrongKey, ErrorCategory.SecurityError, target),
        ProtectionFailure.NotEncrypted => ErrorRecords.Create(e, ErrorIds.EvidenceNotEncrypted, ErrorCategory.InvalidData, target),
        ProtectionFailure.NotIntegrityProtected => ErrorRecords.Create(e, ErrorIds.EvidenceNotIntegrityProtected, ErrorCategory.SecurityError, target),
        ProtectionFailure.ManifestMismatch => ErrorRecords.Create(e, ErrorIds.EvidenceManifestMismatch, ErrorCategory.InvalidData, target),
        _ => ErrorRecords.Create(e, ErrorIds.EvidenceTampered, ErrorCategory.InvalidData, target),
    };

    private static Stream Open(PSCmdlet cmdlet, string value, out string source)
    {
        if (value.TrimStart().StartsWith(TextStart, StringComparison.Ordinal))
        {
            source = "the key text given";
            return new MemoryStream(Encoding.ASCII.GetBytes(value));
        }

        source = cmdlet.SessionState.Path.GetUnresolvedProviderPathFromPSPath(value);
        if (!File.Exists(source))
        {
            throw new FileNotFoundException($"The key file '{source}' does not exist.", source);
        }

        return File.OpenRead(source);
    }

    private static char[] Plain(SecureString? secret)
    {
        if (secret is null || secret.Length == 0)
        {
            return [];
        }

        IntPtr p = Marshal.SecureStringToGlobalAllocUnicode(secret);
        try
        {
            return Marshal.PtrToStringUni(p, secret.Length).ToCharArray();
        }
        finally
        {
            Marshal.ZeroFreeGlobalAllocUnicode(p);
        }
    }
}
