using System.Management.Automation;
using KForensics.Core.Checkpoints.Inspection;
using KForensics.Core.Criu;

namespace KForensics.Infrastructure;

/// <summary>
/// What every cmdlet that looks inside checkpoints shares: -Path (wildcards) / -LiteralPath naming
/// archives or directories, bound by value and by the property names the module's own objects carry
/// (ContainerCheckpoint.Location, CheckpointArchive.Path, a checkpoint object's Checkpoint), one open
/// per checkpoint with its private temporary directory removed afterwards, and one mapping of
/// damaged checkpoints to stable error ids. A damaged checkpoint is that item's error; the pipeline goes on.
/// </summary>
public abstract class CheckpointInputCmdlet : PathInputCmdlet
{
    /// <summary>Checkpoint archives or directories, taken as written.</summary>
    [Parameter(Mandatory = true, ParameterSetName = LiteralPathSet, ValueFromPipelineByPropertyName = true)]
    [Alias("PSPath", "LP", "FullName", "Location", "LocalPath", "Checkpoint")]
    [ValidateNotNullOrEmpty]
    public string[] LiteralPath { get; set; } = [];

    /// <summary>Whether archives must have their memory pages unpacked.</summary>
    private protected virtual bool NeedsMemory => false;

    /// <summary>Whether archives must have their filesystem changes unpacked.</summary>
    private protected virtual bool NeedsFileChanges => false;

    private protected abstract Task InspectAsync(CheckpointInspector checkpoint);

    protected override async Task ProcessRecordAsync()
    {
        foreach (string path in InputPaths(LiteralPath, directories: true))
        {
            await InspectOneAsync(path);
        }
    }

    private protected async Task InspectOneAsync(string path)
    {
        try
        {
            using CheckpointInspector checkpoint = await CheckpointInspector.OpenAsync(path, NeedsMemory, NeedsFileChanges, CancellationToken);
            await InspectAsync(checkpoint);
        }
        catch (CheckpointInspectionException ex)
        {
            WriteError(CheckpointErrors.ToErrorRecord(ex, path));
        }
        catch (CriuImageException ex)
        {
            WriteError(CheckpointErrors.ToErrorRecord(ex, path));
        }
    }
}
