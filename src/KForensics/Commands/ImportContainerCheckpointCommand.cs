using System.Management.Automation;
using KForensics.Core.Checkpoints;
using KForensics.Infrastructure;

namespace KForensics.Commands;

/// <summary>Verifies an exported checkpoint archive, recreates its container under a new name and resumes it.</summary>
[Cmdlet(VerbsData.Import, "ContainerCheckpoint", SupportsShouldProcess = true)]
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

    protected override async Task ProcessRecordAsync()
    {
        string path = SessionState.Path.GetUnresolvedProviderPathFromPSPath(Path);
        if (!File.Exists(path))
        {
            WriteError(ErrorRecords.PathNotFound(Path));
            return;
        }

        if (!ShouldProcess(ErrorRecords.Format("new container '{0}' from '{1}'", Name, path), "Import and restore"))
        {
            return;
        }

        var engine = await EngineAsync();
        await ForEachItemAsync(path, async () => WriteObject(await CheckpointImporter.ImportAsync(engine, path, Name, CancellationToken)));
    }
}
