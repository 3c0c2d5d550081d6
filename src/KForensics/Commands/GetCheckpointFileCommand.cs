using System.Management.Automation;
using KForensics.Core.Checkpoints.Inspection;
using KForensics.Infrastructure;

namespace KForensics.Commands;

/// <summary>Lists every open descriptor, working directory and root of a checkpoint's processes.</summary>
[Cmdlet(VerbsCommon.Get, "CheckpointFile", DefaultParameterSetName = PathSet)]
[OutputType(typeof(CheckpointFile))]
public sealed class GetCheckpointFileCommand : CheckpointInputCmdlet
{
    /// <summary>Only this process's descriptors.</summary>
    [Parameter]
    [Alias("Pid")]
    public uint? ProcessId { get; set; }

    private protected override Task InspectAsync(CheckpointInspector checkpoint)
    {
        foreach (CheckpointFile file in checkpoint.Files(ProcessId, CancellationToken))
        {
            WriteObject(file);
        }

        return Task.CompletedTask;
    }
}
