using System.Management.Automation;
using System.Runtime.InteropServices;
using System.Security;
using System.Text;
using KForensics.Core.Evidence.Protection;

namespace KForensics.Infrastructure;

/// <summary>Loads -Recipient and -Key for the cmdlets that encrypt or decrypt, and maps protection failures to error records.</summary>
internal static class ProtectionErrors
{
    private const string ArmorStart = "-----BEGIN PGP";

    /// <summary>Every recipient of -Recipient (key files or armored key blocks), or a terminating error naming the bad one.</summary>
    public static IReadOnlyList<EvidenceRecipient> LoadRecipients(PSCmdlet cmdlet, IEnumerable<string> recipients)
    {
        var loaded = new List<EvidenceRecipient>();
        foreach (string recipient in recipients)
        {
            try
            {
                using Stream keys = Open(cmdlet, recipient, out string source);
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

        return loaded.DistinctBy(r => r.Fingerprint).ToList();
    }

    /// <summary>The secret keys of -Key unlocked with -Passphrase, or a terminating error.</summary>
    public static EvidenceSecretKeys LoadSecretKeys(PSCmdlet cmdlet, string key, SecureString? passphrase)
    {
        try
        {
            using Stream keys = Open(cmdlet, key, out string source);
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
        if (value.TrimStart().StartsWith(ArmorStart, StringComparison.Ordinal))
        {
            source = "the armored key given";
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
