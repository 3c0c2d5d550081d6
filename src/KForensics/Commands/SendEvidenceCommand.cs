using System.Management.Automation;
using KForensics.Core.Evidence;
using KForensics.Core.Evidence.Storage;
using KForensics.Infrastructure;

namespace KForensics.Commands;

/// <summary>
/// Uploads evidence files to an Azure Blob container in blocks, resumable, with the SHA-256 and the custody
/// manifest as metadata and the manifest beside each blob, and reads each blob back to compare its hash.
/// </summary>
[Cmdlet(VerbsCommunications.Send, "Evidence", DefaultParameterSetName = PathSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(SentEvidence))]
public sealed class SendEvidenceCommand : EvidenceInputCmdlet
{
    private const string Activity = "Send-Evidence";
    private BlobDestination? _destination;

    /// <summary>The container: its URL (with a SAS, or signed in with DefaultAzureCredential), or with -ConnectionString its name.</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNullOrEmpty]
    public string Destination { get; set; } = string.Empty;

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? ConnectionString { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? ManagedIdentityClientId { get; set; }

    /// <summary>A virtual folder for the blobs ("aks-prod/2026-12-03/").</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? BlobPrefix { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string? ManifestPath { get; set; }

    /// <summary>Block size in MiB.</summary>
    [Parameter]
    [ValidateRange(1, 256)]
    public int BlockSize { get; set; } = 8;

    [Parameter]
    public DateTime? RetainUntil { get; set; }

    [Parameter]
    public SwitchParameter LegalHold { get; set; }

    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override async Task BeginProcessingAsync()
        => _destination = await StorageErrors.ConnectAsync(this, Destination, ConnectionString, ManagedIdentityClientId, CancellationToken);

    protected override async Task ProcessRecordAsync()
    {
        foreach (string file in InputFiles().ToList())
        {
            string blob = (BlobPrefix is null ? string.Empty : BlobPrefix.Trim('/') + "/") + System.IO.Path.GetFileName(file);
            long length = new FileInfo(file).Length;
            if (!ShouldProcess($"{_destination!.Url}/{blob}", $"Upload '{file}' ({length / (1 << 20)} MiB) and its custody manifest"))
            {
                continue;
            }

            CustodyManifest? manifest = ManifestFor(file, ManifestPath);
            var options = new UploadOptions
            {
                BlockSizeBytes = BlockSize << 20,
                Overwrite = Force,
                RetainUntil = RetainUntil is DateTime until ? new DateTimeOffset(until.ToUniversalTime()) : null,
                LegalHold = LegalHold,
                ToolVersion = ModuleVersion,
            };
            var progress = new QueuedProgress<UploadProgress>();
            try
            {
                Task<SentEvidence> upload = EvidenceUploader.UploadAsync(_destination, file, blob, manifest, options, progress, CancellationToken);
                WriteObject(await progress.RunAsync(upload, p => WriteProgress(new ProgressRecord(1, Activity, $"{p.Phase} {System.IO.Path.GetFileName(p.Path)}")
                {
                    PercentComplete = p.Total == 0 ? 100 : (int)Math.Clamp(100 * p.Done / p.Total, 0, 100),
                    CurrentOperation = $"{p.Done >> 20} of {p.Total >> 20} MiB{(p.BlocksResumed > 0 ? $", {p.BlocksResumed} blocks resumed" : string.Empty)}",
                })));
            }
            catch (StorageException e)
            {
                WriteError(StorageErrors.ToErrorRecord(e, file));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                WriteError(ErrorRecords.Create($"Cannot read '{file}': {e.Message}", ErrorIds.EvidenceUploadFailed, ErrorCategory.ReadError, file, e));
            }
            finally
            {
                CompleteProgress(Activity);
            }
        }
    }
}
