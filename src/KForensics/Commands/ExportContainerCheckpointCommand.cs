using System.Management.Automation;
using System.Text;
using KForensics.Core.Checkpoints;
using KForensics.Core.Evidence;
using KForensics.Core.Evidence.Protection;
using KForensics.Core.Evidence.Storage;
using KForensics.Infrastructure;

namespace KForensics.Commands;

/// <summary>
/// Packs checkpoints, their containers' configuration and filesystem changes into hashed archives: one
/// checkpoint to -Path, or any number to -OutputDirectory, one archive each named after its container and checkpoint.
/// </summary>
[Cmdlet(VerbsData.Export, "ContainerCheckpoint", SupportsShouldProcess = true, DefaultParameterSetName = ByObject)]
[OutputType(typeof(CheckpointArchive), typeof(ProtectedEvidence), typeof(SentEvidence))]
public sealed class ExportContainerCheckpointCommand : DockerCmdlet, IDynamicParameters
{
    private const string ByName = "ByName";
    private const string ByObject = "InputObject";
    private const string ByNameToDirectory = "ByNameToDirectory";
    private const string ByObjectToDirectory = "InputObjectToDirectory";
    private readonly EvidenceDeliveryParameters _deliveryParameters = new();
    private readonly HashSet<string> _written = new(StringComparer.Ordinal);
    private EvidenceDelivery? _delivery;
    private string? _directory;

    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = ByObject)]
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = ByObjectToDirectory)]
    public ContainerCheckpoint[] InputObject { get; set; } = [];

    [Parameter(Mandatory = true, Position = 0, ParameterSetName = ByName)]
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = ByNameToDirectory)]
    [Alias("ContainerId", "ContainerName", "Id")]
    [ValidateNotNullOrEmpty]
    public string[] Container { get; set; } = [];

    [Parameter(Mandatory = true, Position = 1, ParameterSetName = ByName)]
    [Parameter(Mandatory = true, Position = 1, ParameterSetName = ByNameToDirectory)]
    [ValidateNotNullOrEmpty]
    public string Checkpoint { get; set; } = string.Empty;

    [Parameter(ParameterSetName = ByName)]
    [Parameter(ParameterSetName = ByNameToDirectory)]
    [ValidateNotNullOrEmpty]
    public string? CheckpointDirectory { get; set; }

    /// <summary>The archive to write (.tar.gz), for one checkpoint.</summary>
    [Parameter(Mandatory = true, ParameterSetName = ByName)]
    [Parameter(Mandatory = true, ParameterSetName = ByObject)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = string.Empty;

    /// <summary>An existing directory that receives one archive per checkpoint, named CONTAINER-CHECKPOINT.tar.gz.</summary>
    [Parameter(Mandatory = true, ParameterSetName = ByNameToDirectory)]
    [Parameter(Mandatory = true, ParameterSetName = ByObjectToDirectory)]
    [ValidateNotNullOrEmpty]
    public string OutputDirectory { get; set; } = string.Empty;

    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>-Recipient, -Destination, -ConnectionString, -ManagedIdentityClientId and -BlobPrefix, declared once for every producing cmdlet.</summary>
    public object GetDynamicParameters() => _deliveryParameters;

    protected override async Task BeginProcessingAsync()
    {
        if (ParameterSetName is ByNameToDirectory or ByObjectToDirectory)
        {
            _directory = SessionState.Path.GetUnresolvedProviderPathFromPSPath(OutputDirectory);
            if (!Directory.Exists(_directory))
            {
                ThrowTerminatingError(ErrorRecords.PathNotFound(OutputDirectory));
            }
        }

        _delivery = await EvidenceDelivery.CreateAsync(this, _deliveryParameters, CancellationToken);
    }

    protected override async Task ProcessRecordAsync()
    {
        var work = ParameterSetName is ByObject or ByObjectToDirectory
            ? InputObject.Select(c => (Container: c.ContainerId, Label: c.ContainerName, c.Name, Directory: c.CheckpointDirectory)).ToList()
            : Container.Select(c => (Container: c, Label: c, Name: Checkpoint,
                Directory: CheckpointDirectory is null ? null : SessionState.Path.GetUnresolvedProviderPathFromPSPath(CheckpointDirectory))).ToList();
        // Every target is checked, then the engine reached, before anything is asked or packed.
        var targets = work.Select(w => (w.Container, w.Label, w.Name, w.Directory, Path: TargetFor(w.Label, w.Name))).Where(t => t.Path is not null).ToList();
        if (targets.Count == 0)
        {
            return;
        }

        var engine = await EngineAsync();
        foreach (var (container, label, checkpoint, directory, path) in targets)
        {
            if (!ShouldProcess(path, ErrorRecords.Format("Export checkpoint '{0}' of container '{1}'", checkpoint, label)))
            {
                continue;
            }

            await ForEachItemAsync(path, () => ExportOneAsync(engine, container, checkpoint, directory, path!));
        }
    }

    // Where one checkpoint goes, checked before anything is asked: a second checkpoint for the one -Path, a name
    // taken twice, or an existing file without -Force is that checkpoint's error.
    private string? TargetFor(string label, string checkpoint)
    {
        string plain = _directory is null
            ? SessionState.Path.GetUnresolvedProviderPathFromPSPath(Path)
            : System.IO.Path.Combine(_directory, SafeName(label) + "-" + SafeName(checkpoint) + ".tar.gz");
        string path = _delivery!.EncryptedName(plain);
        if (!_written.Add(path))
        {
            WriteError(ErrorRecords.Create(_directory is null
                    ? ErrorRecords.Format("-Path '{0}' holds one checkpoint; use -OutputDirectory for checkpoint '{1}' of '{2}' and the others.", path, checkpoint, label)
                    : ErrorRecords.Format("Checkpoint '{0}' of '{1}' would be written to '{2}' a second time.", checkpoint, label, path),
                ErrorIds.CheckpointExportPathReused, ErrorCategory.InvalidArgument, checkpoint));
            return null;
        }

        if (File.Exists(path) && !Force)
        {
            WriteError(ErrorRecords.Create(ErrorRecords.Format("'{0}' already exists; use -Force to replace it.", path),
                ErrorIds.CheckpointExportTargetExists, ErrorCategory.ResourceExists, path));
            return null;
        }

        return path;
    }

    private async Task ExportOneAsync(Core.Docker.DockerEngine engine, string container, string checkpoint, string? directory, string path)
    {
        object made;
        try
        {
            made = await WithProgressAsync<object>(path, async progress => _delivery!.Encrypts
                ? await CheckpointExporter.ExportProtectedAsync(engine, container, checkpoint, directory, path, Force, ModuleVersion, _delivery.Recipients, CancellationToken, progress)
                : await CheckpointExporter.ExportAsync(engine, container, checkpoint, directory, path, Force, ModuleVersion, CancellationToken, progress));
        }
        catch (Exception ex) when (StagedFile.IsWriteFailure(ex))
        {
            WriteError(StagedFile.WriteFailed(path, ErrorIds.CheckpointExportWriteFailed, ex));
            return;
        }

        if (_delivery!.Destination is null)
        {
            WriteObject(made);
        }
        else if (await _delivery.SendAsync(this, path, made is ProtectedEvidence p ? CustodyManifestFile.TryRead(p.ManifestPath) : null, ModuleVersion, CancellationToken)
                 is SentEvidence sent)
        {
            WriteObject(sent);
        }
    }

    // A container or checkpoint name as a file name: Docker's leading '/' and anything but letters, digits, '.', '_' and '-' become '_'.
    internal static string SafeName(string name)
    {
        var text = new StringBuilder(name.Length);
        foreach (char c in name.TrimStart('/'))
        {
            text.Append(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' ? c : '_');
        }

        string safe = text.ToString().TrimStart('.');
        return safe.Length == 0 ? "_" : safe;
    }
}
