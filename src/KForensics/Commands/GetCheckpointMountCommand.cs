using System.Management.Automation;
using KForensics.Core.Checkpoints.Inspection;
using KForensics.Infrastructure;

namespace KForensics.Commands;

/// <summary>Lists the mounts of a checkpointed container: its runtime spec's, then CRIU's mount namespace.</summary>
[Cmdlet(VerbsCommon.Get, "CheckpointMount", DefaultParameterSetName = PathSet)]
[OutputType(typeof(CheckpointMount))]
public sealed class GetCheckpointMountCommand : CheckpointInputCmdlet
{
    /// <summary>Only mounts from this origin: Spec or Criu.</summary>
    [Parameter]
    [ValidateSet("Spec", "Criu")]
    public string? Origin { get; set; }

    private protected override Task InspectAsync(CheckpointInspector checkpoint)
    {
        foreach (CheckpointMount mount in checkpoint.Mounts())
        {
            if (Origin is null || string.Equals(mount.Origin, Origin, StringComparison.OrdinalIgnoreCase))
            {
                WriteObject(mount);
            }
        }

        return Task.CompletedTask;
    }
}
