using System.Management.Automation;
using KForensics.Core.Checkpoints;
using KForensics.Infrastructure;

namespace KForensics.Commands;

/// <summary>Checkpoints running containers with CRIU through the Docker engine.</summary>
[Cmdlet(VerbsCommon.New, "ContainerCheckpoint", SupportsShouldProcess = true)]
[OutputType(typeof(ContainerCheckpoint))]
public sealed class NewContainerCheckpointCommand : DockerCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("ContainerId", "ContainerName", "Id")]
    [ValidateNotNullOrEmpty]
    public string[] Container { get; set; } = Array.Empty<string>();

    [Parameter(Position = 1)]
    [ValidatePattern("^[a-zA-Z0-9][a-zA-Z0-9_.-]+$")]
    public string? Name { get; set; }

    [Parameter]
    public SwitchParameter LeaveRunning { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? CheckpointDirectory { get; set; }

    protected override async Task ProcessRecordAsync()
    {
        string? directory = CheckpointDirectory is null ? null : SessionState.Path.GetUnresolvedProviderPathFromPSPath(CheckpointDirectory);
        // The engine is reached before anything is asked.
        var engine = await EngineAsync();
        foreach (string container in Container)
        {
            string action = LeaveRunning ? "Checkpoint (container keeps running)" : "Checkpoint and stop the container";
            if (!ShouldProcess(container, action))
            {
                continue;
            }

            await ForEachItemAsync(container, async () =>
                WriteObject(await CheckpointService.CreateAsync(engine, container, Name, LeaveRunning, directory, CancellationToken)));
        }
    }
}
