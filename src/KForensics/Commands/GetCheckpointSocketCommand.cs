using System.Management.Automation;
using KForensics.Core.Checkpoints.Inspection;
using KForensics.Infrastructure;

namespace KForensics.Commands;

/// <summary>Lists the sockets a checkpoint's processes held: TCP, UDP, unix, packet and netlink.</summary>
[Cmdlet(VerbsCommon.Get, "CheckpointSocket", DefaultParameterSetName = PathSet)]
[OutputType(typeof(CheckpointSocket))]
public sealed class GetCheckpointSocketCommand : CheckpointInputCmdlet
{
    /// <summary>Only this process's sockets.</summary>
    [Parameter]
    [Alias("Pid")]
    public uint? ProcessId { get; set; }

    private protected override Task InspectAsync(CheckpointInspector checkpoint)
    {
        foreach (CheckpointSocket socket in checkpoint.Sockets(ProcessId, CancellationToken))
        {
            WriteObject(socket);
        }

        return Task.CompletedTask;
    }
}
