using System.Management.Automation;
using KForensics.Core.Checkpoints;
using KForensics.Infrastructure;

namespace KForensics.Commands;

/// <summary>Packs a checkpoint, the container's configuration and its filesystem changes into a hashed archive.</summary>
[Cmdlet(VerbsData.Export, "ContainerCheckpoint", SupportsShouldProcess = true, DefaultParameterSetName = ByObject)]
[OutputType(typeof(CheckpointArchive))]
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

    protected override async Task ProcessRecordAsync()
    {
        string path = SessionState.Path.GetUnresolvedProviderPathFromPSPath(Path);
        (string container, string label, string checkpoint, string? directory) = InputObject is not null
            ? (InputObject.ContainerId, InputObject.ContainerName, InputObject.Name, InputObject.CheckpointDirectory)
            : (Container, Container, Checkpoint, CheckpointDirectory is null ? null : SessionState.Path.GetUnresolvedProviderPathFromPSPath(CheckpointDirectory));
        if (!ShouldProcess(path, ErrorRecords.Format("Export checkpoint '{0}' of container '{1}'", checkpoint, label)))
        {
            return;
        }

        var engine = await EngineAsync();
        await ForEachItemAsync(path, async () =>
            WriteObject(await CheckpointExporter.ExportAsync(engine, container, checkpoint, directory, path, Force, ModuleVersion, CancellationToken)));
    }
}
