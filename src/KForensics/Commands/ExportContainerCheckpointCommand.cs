using System.Management.Automation;
using KForensics.Core.Checkpoints;
using KForensics.Core.Evidence;
using KForensics.Core.Evidence.Protection;
using KForensics.Core.Evidence.Storage;
using KForensics.Infrastructure;

namespace KForensics.Commands;

/// <summary>Packs a checkpoint, the container's configuration and its filesystem changes into a hashed archive.</summary>
[Cmdlet(VerbsData.Export, "ContainerCheckpoint", SupportsShouldProcess = true, DefaultParameterSetName = ByObject)]
[OutputType(typeof(CheckpointArchive), typeof(ProtectedEvidence), typeof(SentEvidence))]
public sealed class ExportContainerCheckpointCommand : DockerCmdlet
{
    private const string ByName = "ByName";
    private const string ByObject = "InputObject";

    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = ByObject)]
    public ContainerCheckpoint? InputObject { get; set; }

    [Parameter(Mandatory = true, Position = 0, ParameterSetName = ByName)]
    [Alias("ContainerId", "ContainerName")]
    [ValidateNotNullOrEmpty]
    public string Container { get; set; } = string.Empty;

    [Parameter(Mandatory = true, Position = 1, ParameterSetName = ByName)]
    [ValidateNotNullOrEmpty]
    public string Checkpoint { get; set; } = string.Empty;

    [Parameter(ParameterSetName = ByName)]
    [ValidateNotNullOrEmpty]
    public string? CheckpointDirectory { get; set; }

    /// <summary>The archive to write (.tar.gz).</summary>
    [Parameter(Mandatory = true)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = string.Empty;

    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>OpenPGP public keys: the archive is encrypted as it is packed (PATH.gpg), never on disk in the clear.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? Recipient { get; set; }

    /// <summary>A blob container the archive (encrypted or not) is sent to, as Send-Evidence sends it.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Destination { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? ConnectionString { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? ManagedIdentityClientId { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? BlobPrefix { get; set; }

    private EvidenceDelivery? _delivery;

    protected override async Task BeginProcessingAsync()
        => _delivery = await EvidenceDelivery.CreateAsync(this, Recipient, Destination, ConnectionString, ManagedIdentityClientId, BlobPrefix, CancellationToken);

    protected override async Task ProcessRecordAsync()
    {
        string path = _delivery!.EncryptedName(SessionState.Path.GetUnresolvedProviderPathFromPSPath(Path));
        (string container, string label, string checkpoint, string? directory) = InputObject is not null
            ? (InputObject.ContainerId, InputObject.ContainerName, InputObject.Name, InputObject.CheckpointDirectory)
            : (Container, Container, Checkpoint, CheckpointDirectory is null ? null : SessionState.Path.GetUnresolvedProviderPathFromPSPath(CheckpointDirectory));
        if (!ShouldProcess(path, ErrorRecords.Format("Export checkpoint '{0}' of container '{1}'", checkpoint, label)))
        {
            return;
        }

        var engine = await EngineAsync();
        await ForEachItemAsync(path, async () =>
        {
            object made = _delivery.Encrypts
                ? await CheckpointExporter.ExportProtectedAsync(engine, container, checkpoint, directory, path, Force, ModuleVersion, _delivery.Recipients, CancellationToken)
                : await CheckpointExporter.ExportAsync(engine, container, checkpoint, directory, path, Force, ModuleVersion, CancellationToken);
            if (_delivery.Destination is null)
            {
                WriteObject(made);
            }
            else if (await _delivery.SendAsync(this, path, made is ProtectedEvidence p ? CustodyManifestFile.TryRead(p.ManifestPath) : null, ModuleVersion, CancellationToken)
                     is SentEvidence sent)
            {
                WriteObject(sent);
            }
        });
    }
}
