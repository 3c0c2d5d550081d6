using System.Management.Automation;
using KForensics.Core.Evidence;
using KForensics.Core.Evidence.Protection;
using KForensics.Core.Evidence.Storage;
using KForensics.Core.Kubernetes;

namespace KForensics.Infrastructure;

/// <summary>
/// What the producing cmdlets do with a file once made when -Recipient or -Destination is given: the recipients
/// it is encrypted to as it is written, and the container it is sent to. Both are checked before anything is made.
/// </summary>
internal sealed class EvidenceDelivery
{
    private readonly string? _blobPrefix;

    private EvidenceDelivery(IReadOnlyList<EvidenceRecipient> recipients, BlobDestination? destination, string? blobPrefix)
    {
        Recipients = recipients;
        Destination = destination;
        _blobPrefix = blobPrefix;
    }

    public IReadOnlyList<EvidenceRecipient> Recipients { get; }

    public BlobDestination? Destination { get; }

    public bool Encrypts => Recipients.Count > 0;

    /// <summary>Loads the recipients and checks the destination, with terminating errors for either.</summary>
    public static async Task<EvidenceDelivery> CreateAsync(AsyncCmdlet cmdlet, EvidenceDeliveryParameters given, CancellationToken cancellationToken)
    {
        IReadOnlyList<EvidenceRecipient> recipients = given.Recipient is { Length: > 0 } ? ProtectionErrors.LoadRecipients(cmdlet, given.Recipient) : [];
        BlobDestination? target = given.Destination is null ? null
            : await StorageErrors.ConnectAsync(cmdlet, given.Destination, given.ConnectionString, given.ManagedIdentityClientId, cancellationToken);
        return new EvidenceDelivery(recipients, target, given.BlobPrefix);
    }

    /// <summary>The name an encrypted file gets: the plaintext's with .gpg added (unless it has it).</summary>
    public string EncryptedName(string path)
        => Encrypts && !path.EndsWith(EvidenceFileProtection.Extension, StringComparison.OrdinalIgnoreCase) ? EvidenceFileProtection.TargetFor(path) : path;

    /// <summary>Sends a file made by the cmdlet to the destination, with progress; a failure is the item's error.</summary>
    public async Task<SentEvidence?> SendAsync(AsyncCmdlet cmdlet, string path, CustodyManifest? manifest, string toolVersion, CancellationToken cancellationToken)
    {
        string blob = (_blobPrefix is null ? string.Empty : _blobPrefix.Trim('/') + "/") + Path.GetFileName(path);
        var progress = new QueuedProgress<UploadProgress>();
        try
        {
            Task<SentEvidence> upload = EvidenceUploader.UploadAsync(Destination!, path, blob, manifest, new UploadOptions { ToolVersion = toolVersion }, progress, cancellationToken);
            return await progress.RunAsync(upload, p => cmdlet.WriteProgress(new ProgressRecord(2, "Send-Evidence", $"{p.Phase} {Path.GetFileName(p.Path)}")
            {
                PercentComplete = p.Total == 0 ? 100 : (int)Math.Clamp(100 * p.Done / p.Total, 0, 100),
            }));
        }
        catch (StorageException e)
        {
            cmdlet.WriteError(StorageErrors.ToErrorRecord(e, path));
            return null;
        }
        finally
        {
            cmdlet.WriteProgress(new ProgressRecord(2, "Send-Evidence", "Done") { RecordType = ProgressRecordType.Completed });
        }
    }

    /// <summary>
    /// Sends what a pod worker made (a PodCapture, a PodCheckpoint or their encrypted ProtectedEvidence) from the
    /// worker's own thread, narrating through its progress; a failure is thrown as a StorageException for the runner.
    /// </summary>
    public async Task<SentEvidence> SendFromWorkerAsync(object made, string pod, string @namespace, IProgress<CaptureProgress> progress, string toolVersion,
        CancellationToken cancellationToken)
    {
        (string path, string manifestPath) = made switch
        {
            ProtectedEvidence p => (p.Path, p.ManifestPath),
            PodCapture c => (c.Path, c.ManifestPath),
            PodCheckpoint k => (k.Path, k.ManifestPath),
            _ => throw new ArgumentException("Nothing to send.", nameof(made)),
        };
        string blob = (_blobPrefix is null ? string.Empty : _blobPrefix.Trim('/') + "/") + Path.GetFileName(path);
        progress.Report(new CaptureProgress(pod, @namespace, $"Sending {Path.GetFileName(path)} to {Destination!.Url}/{blob}.", true, null, 100));
        var upload = new Progress<UploadProgress>(p => progress.Report(new CaptureProgress(pod, @namespace,
            $"{p.Phase} {Path.GetFileName(p.Path)}: {p.Done >> 20} of {p.Total >> 20} MiB", false, null, p.Total == 0 ? 100 : (int)(100 * p.Done / p.Total))));
        SentEvidence sent = await EvidenceUploader.UploadAsync(Destination, path, blob, CustodyManifestFile.TryRead(manifestPath),
            new UploadOptions { ToolVersion = toolVersion }, upload, cancellationToken).ConfigureAwait(false);
        progress.Report(new CaptureProgress(pod, @namespace, $"Sent {sent.Uri}; read back SHA-256 {sent.Sha256ReadBack}.", true, null, 100));
        return sent;
    }
}
