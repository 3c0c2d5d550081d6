using System.Management.Automation;
using System.Security;
using KForensics.Core.Evidence.Protection;
using KForensics.Infrastructure;

namespace KForensics.Commands;

/// <summary>
/// Decrypts OpenPGP-encrypted evidence (Protect-Evidence's, or gpg --encrypt's) with a secret key; a file whose
/// integrity check or custody manifest disagrees is refused and nothing is written.
/// </summary>
[Cmdlet(VerbsSecurity.Unprotect, "Evidence", DefaultParameterSetName = PathSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(UnprotectedEvidence))]
public sealed class UnprotectEvidenceCommand : EvidenceInputCmdlet
{
    private const string Activity = "Unprotect-Evidence";
    private EvidenceSecretKeys? _keys;

    /// <summary>OpenPGP secret keys (a file as gpg --export-secret-keys writes it, or an armored key block).</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNullOrEmpty]
    public string Key { get; set; } = string.Empty;

    /// <summary>The passphrase of the secret key; none for an unprotected key.</summary>
    [Parameter]
    public SecureString? Passphrase { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? OutputDirectory { get; set; }

    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override Task BeginProcessingAsync()
    {
        _keys = ProtectionErrors.LoadSecretKeys(this, Key, Passphrase);
        return Task.CompletedTask;
    }

    protected override Task ProcessRecordAsync()
    {
        foreach (string source in InputFiles())
        {
            string? target = TargetFor(source, EvidenceFileProtection.PlaintextTargetFor, OutputDirectory, Force);
            if (target is null || !ShouldProcess(target, $"Decrypt '{source}'"))
            {
                continue;
            }

            try
            {
                var progress = FileProgress(Activity, source, new FileInfo(source).Length);
                WriteObject(EvidenceFileProtection.UnprotectFile(source, target, _keys!, Force, progress, CancellationToken));
            }
            catch (ProtectionException e)
            {
                WriteError(ProtectionErrors.ToErrorRecord(e, source));
            }
            catch (Exception e) when (StagedFile.IsWriteFailure(e))
            {
                WriteError(StagedFile.WriteFailed(target, ErrorIds.EvidenceWriteFailed, e));
            }
            finally
            {
                CompleteProgress(Activity);
            }
        }

        return Task.CompletedTask;
    }
}
