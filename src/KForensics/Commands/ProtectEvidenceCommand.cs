using System.Management.Automation;
using KForensics.Core.Evidence;
using KForensics.Core.Evidence.Protection;
using KForensics.Infrastructure;

namespace KForensics.Commands;

/// <summary>
/// Encrypts evidence files, streamed, to OpenPGP public keys (what gpg --decrypt reads) or to X.509 certificates
/// (CMS enveloped data, what openssl cms -decrypt reads), and writes beside each encrypted file a custody manifest
/// with the plaintext's and the ciphertext's SHA-256.
/// </summary>
[Cmdlet(VerbsSecurity.Protect, "Evidence", DefaultParameterSetName = PathSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(ProtectedEvidence))]
public sealed class ProtectEvidenceCommand : EvidenceTransformCmdlet
{
    private const string Activity = "Protect-Evidence";
    private IReadOnlyList<EvidenceRecipient> _recipients = [];

    /// <summary>
    /// OpenPGP public keys (files as gpg --export writes them, or armored key blocks), or X.509 certificates
    /// (X509Certificate2 objects, PEM or DER files, PEM text); one kind per call.
    /// </summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNullOrEmpty]
    public object[] Recipient { get; set; } = [];

    /// <summary>The custody manifest of the file; binds ManifestPath of evidence records. Default: the one beside the file.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string? ManifestPath { get; set; }

    protected override Task BeginProcessingAsync()
    {
        _recipients = ProtectionErrors.LoadRecipients(this, Recipient);
        WriteVerbose($"Recipients: {string.Join("; ", _recipients.Select(r => $"{r} key {r.Fingerprint} ({r.Algorithm})"))}.");
        return Task.CompletedTask;
    }

    protected override Task ProcessRecordAsync()
    {
        TransformEachFile(Activity, p => EvidenceFileProtection.TargetFor(p, _recipients), source => $"Encrypt '{source}' to {string.Join(", ", _recipients)}",
            (source, target, progress) => WriteObject(EvidenceFileProtection.ProtectFile(source, target, _recipients, ManifestFor(source, ManifestPath), ModuleVersion,
                Force, progress, CancellationToken)));
        return Task.CompletedTask;
    }
}
