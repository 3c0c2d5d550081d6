using System.Management.Automation;
using KForensics.Core.Checkpoints.Inspection;
using KForensics.Infrastructure;

namespace KForensics.Commands;

/// <summary>Lists the container's filesystem changes a checkpoint archive carries, each file hashed.</summary>
[Cmdlet(VerbsCommon.Get, "CheckpointFileChange", DefaultParameterSetName = PathSet)]
[OutputType(typeof(CheckpointFileChange))]
public sealed class GetCheckpointFileChangeCommand : CheckpointInputCmdlet
{
    /// <summary>Only these kinds of change.</summary>
    [Parameter]
    public FileChangeKind[]? Change { get; set; }

    private protected override bool NeedsFileChanges => true;

    private protected override async Task InspectAsync(CheckpointInspector checkpoint)
    {
        if (!checkpoint.HasFileChanges)
        {
            WriteVerbose(ErrorRecords.Format("'{0}' records no filesystem changes (a bare CRIU images directory, or Docker's own checkpoint directory, never does; export the checkpoint to keep them).", checkpoint.Path));
        }

        await foreach (CheckpointFileChange change in checkpoint.FileChanges(CancellationToken))
        {
            if (Change is null || Change.Contains(change.Change))
            {
                WriteObject(change);
            }
        }
    }
}
