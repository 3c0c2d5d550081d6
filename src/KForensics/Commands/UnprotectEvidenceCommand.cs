using System.Management.Automation;
using System.Security;
using KForensics.Core.Evidence.Protection;
using KForensics.Infrastructure;

namespace KForensics.Commands;

/// <summary>
/// Decrypts encrypted evidence (Protect-Evidence's, gpg --encrypt's, or openssl cms -encrypt's) with an OpenPGP
/// secret key or a certificate's private key; a file whose integrity check or custody manifest disagrees is
/// refused and nothing is written.
/// </summary>
[Cmdlet(VerbsSecurity.Unprotect, "Evidence", DefaultParameterSetName = PathSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(UnprotectedEvidence))]
public sealed class UnprotectEvidenceCommand : EvidenceTransformCmdlet
{
    private const string Activity = "Unprotect-Evidence";
    private EvidenceSecretKeys? _keys;

    /// <summary>
    /// OpenPGP secret keys (a file as gpg --export-secret-keys writes it, or an armored key block), or a certificate's
    /// private key: a PFX file, a PEM private key (file or text, with or without its certificate), or an
    /// X509Certificate2 that carries its key.
    /// </summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNullOrEmpty]
    public object Key { get; set; } = string.Empty;

    /// <summary>The passphrase of the secret key, PFX file or encrypted PEM key; none for an unprotected key.</summary>
    [Parameter]
    public SecureString? Passphrase { get; set; }

    protected override Task BeginProcessingAsync()
    {
        _keys = ProtectionErrors.LoadSecretKeys(this, Key, Passphrase);
        return Task.CompletedTask;
    }

    protected override Task ProcessRecordAsync()
    {
        TransformEachFile(Activity, EvidenceFileProtection.PlaintextTargetFor, source => $"Decrypt '{source}'", (source, target, progress) =>
        {
            UnprotectedEvidence result = EvidenceFileProtection.UnprotectFile(source, target, _keys!, Force, progress, CancellationToken);
            if (!result.IntegrityChecked && !result.ManifestVerified)
            {
                WriteWarning($"'{source}' is CMS enveloped data, which carries no integrity check, and no custody manifest beside it records its SHA-256 " +
                    $"({result.SourceSha256}): compare that hash with the sender's before relying on '{result.Path}'.");
            }

            WriteObject(result);
        });
        return Task.CompletedTask;
    }
}
