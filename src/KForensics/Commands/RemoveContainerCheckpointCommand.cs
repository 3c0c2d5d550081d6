using System.Management.Automation;
using KForensics.Core.Checkpoints;
using KForensics.Core.Docker;
using KForensics.Infrastructure;

namespace KForensics.Commands;

/// <summary>Deletes checkpoints. Evidence is destroyed, so it asks first.</summary>
[Cmdlet(VerbsCommon.Remove, "ContainerCheckpoint", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = ByObject)]
[OutputType(typeof(ContainerCheckpoint))]
public sealed class RemoveContainerCheckpointCommand : DockerCmdlet
{
    private const string ByName = "ByName";
    private const string ByObject = "InputObject";

    [Parameter(Mandatory = true, Position = 0, ParameterSetName = ByName)]
    [Alias("ContainerId", "ContainerName", "Id")]
    [ValidateNotNullOrEmpty]
    public string[] Container { get; set; } = Array.Empty<string>();

    /// <summary>The names of the checkpoints to delete.</summary>
    [Parameter(Mandatory = true, Position = 1, ParameterSetName = ByName)]
    [ValidateNotNullOrEmpty]
    public string[] Checkpoint { get; set; } = Array.Empty<string>();

    [Parameter(ParameterSetName = ByName)]
    [ValidateNotNullOrEmpty]
    public string? CheckpointDirectory { get; set; }

    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = ByObject)]
    public ContainerCheckpoint[] InputObject { get; set; } = Array.Empty<ContainerCheckpoint>();

    /// <summary>Writes each deleted checkpoint, as it was described before it was deleted, to the pipeline.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override async Task ProcessRecordAsync()
    {
        // The engine is reached, and each named checkpoint found, before anything is asked or deleted.
        var engine = await EngineAsync();
        var work = new List<ContainerCheckpoint>();
        if (ParameterSetName == ByObject)
        {
            work.AddRange(InputObject);
        }
        else
        {
            string? directory = CheckpointDirectory is null ? null : SessionState.Path.GetUnresolvedProviderPathFromPSPath(CheckpointDirectory);
            foreach (string container in Container)
            {
                await ForEachItemAsync(container, async () =>
                {
                    IReadOnlyList<ContainerCheckpoint> all = await CheckpointService.ListAsync(engine, container, directory, CancellationToken);
                    foreach (string name in Checkpoint)
                    {
                        ContainerCheckpoint? found = all.FirstOrDefault(c => string.Equals(c.Name, name, StringComparison.Ordinal));
                        if (found is null)
                        {
                            WriteError(ToErrorRecord(new DockerEngineException(DockerErrorKind.CheckpointNotFound,
                                ErrorRecords.Format("Container '{0}' has no checkpoint named '{1}'.", container, name), name), name));
                            continue;
                        }

                        work.Add(found);
                    }
                });
            }
        }

        foreach (ContainerCheckpoint checkpoint in work)
        {
            if (!ShouldProcess(ErrorRecords.Format("checkpoint '{0}' of container '{1}'", checkpoint.Name, checkpoint.ContainerName), "Remove"))
            {
                continue;
            }

            await ForEachItemAsync(checkpoint.Name, async () =>
            {
                await CheckpointService.RemoveAsync(engine, checkpoint.ContainerId, checkpoint.Name, checkpoint.CheckpointDirectory, CancellationToken);
                if (PassThru)
                {
                    WriteObject(checkpoint);
                }
            });
        }
    }
}
