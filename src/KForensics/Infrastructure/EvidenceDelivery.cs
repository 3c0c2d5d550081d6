using System.Management.Automation;
using KForensics.Core.Evidence;
using KForensics.Core.Evidence.Protection;
using KForensics.Core.Evidence.Storage;

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
    public static async Task<EvidenceDelivery> CreateAsync(AsyncCmdlet cmdlet, string[]? recipient, string? destination, string? connectionString,
        string? managedIdentityClientId, string? blobPrefix, CancellationToken cancellationToken)
    {
        IReadOnlyList<EvidenceRecipient> recipients = recipient is { Length: > 0 } ? ProtectionErrors.LoadRecipients(cmdlet, recipient) : [];
        BlobDestination? target = destination is null ? null
            : await StorageErrors.ConnectAsync(cmdlet, destination, connectionString, managedIdentityClientId, cancellationToken);
        return new EvidenceDelivery(recipients, target, blobPrefix);
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
}
