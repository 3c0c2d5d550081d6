using System.Management.Automation;
using KForensics.Core.Checkpoints;
using KForensics.Infrastructure;

namespace KForensics.Commands;

/// <summary>
/// Verifies an exported checkpoint archive, recreates its container under a new name and resumes it,
/// with no network (only its own loopback) unless -Network names one.
/// </summary>
[Cmdlet(VerbsData.Import, "ContainerCheckpoint", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(RestoredContainer))]
public sealed class ImportContainerCheckpointCommand : DockerCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName")]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = string.Empty;

    [Parameter(Mandatory = true, Position = 1)]
    [ValidatePattern("^[a-zA-Z0-9][a-zA-Z0-9_.-]+$")]
    public string Name { get; set; } = string.Empty;

    /// <summary>The clone's network (bridge, a user network's name, ...); without it the clone has none but its loopback.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Network { get; set; }

    protected override async Task ProcessRecordAsync()
    {
        string path = SessionState.Path.GetUnresolvedProviderPathFromPSPath(Path);
        if (!File.Exists(path))
        {
            WriteError(ErrorRecords.PathNotFound(Path));
            return;
        }

        var engine = await EngineAsync();
        if (!ShouldProcess(ErrorRecords.Format("new container '{0}' from '{1}', {2}", Name, path,
                Network is null ? "with no network (loopback only)" : "on network '" + Network + "'"), "Import and restore"))
        {
            return;
        }

        await ForEachItemAsync(path, async () => WriteObject(await WithProgressAsync(path, progress => CheckpointImporter.ImportAsync(engine, path, Name, Network, CancellationToken, progress))));
    }
}
