using System.Management.Automation;
using KForensics.Core.Checkpoints.Inspection;
using KForensics.Infrastructure;

namespace KForensics.Commands;

/// <summary>Lists the processes of a checkpoint with their command lines and environment read from memory, without running it.</summary>
[Cmdlet(VerbsCommon.Get, "CheckpointProcess", DefaultParameterSetName = PathSet)]
[OutputType(typeof(CheckpointProcess))]
public sealed class GetCheckpointProcessCommand : CheckpointInputCmdlet
{
    /// <summary>Roots the tree at this process: it and its descendants.</summary>
    [Parameter]
    [Alias("Pid")]
    public uint? ProcessId { get; set; }

    private protected override bool NeedsMemory => true;

    private protected override Task InspectAsync(CheckpointInspector checkpoint)
    {
        foreach (CheckpointProcess process in checkpoint.Processes(ProcessId, withMemory: true, CancellationToken))
        {
            WriteObject(process);
        }

        return Task.CompletedTask;
    }
}
