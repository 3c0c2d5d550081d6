using System.Management.Automation;
using KForensics.Core.Checkpoints;
using KForensics.Infrastructure;

namespace KForensics.Commands;

/// <summary>Deletes checkpoints. Evidence is destroyed, so it asks first.</summary>
[Cmdlet(VerbsCommon.Remove, "ContainerCheckpoint", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = ByObject)]
[OutputType(typeof(void))]
public sealed class RemoveContainerCheckpointCommand : DockerCmdlet
{
    private const string ByName = "ByName";
    private const string ByObject = "InputObject";

    [Parameter(Mandatory = true, Position = 0, ParameterSetName = ByName)]
    [Alias("ContainerId", "ContainerName")]
    [ValidateNotNullOrEmpty]
    public string Container { get; set; } = string.Empty;

    [Parameter(Mandatory = true, Position = 1, ParameterSetName = ByName)]
    [ValidateNotNullOrEmpty]
    public string[] Name { get; set; } = Array.Empty<string>();

    [Parameter(ParameterSetName = ByName)]
    [ValidateNotNullOrEmpty]
    public string? CheckpointDirectory { get; set; }

    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = ByObject)]
    public ContainerCheckpoint[] InputObject { get; set; } = Array.Empty<ContainerCheckpoint>();

    protected override async Task ProcessRecordAsync()
    {
        var work = ParameterSetName == ByObject
            ? InputObject.Select(c => (Container: c.ContainerId, Label: c.ContainerName, c.Name, Directory: c.CheckpointDirectory))
            : Name.Select(n => (Container, Label: Container, Name: n,
                Directory: CheckpointDirectory is null ? null : SessionState.Path.GetUnresolvedProviderPathFromPSPath(CheckpointDirectory)));
        foreach (var (container, label, name, directory) in work.ToList())
        {
            if (!ShouldProcess(ErrorRecords.Format("checkpoint '{0}' of container '{1}'", name, label), "Remove"))
            {
                continue;
            }

            var engine = await EngineAsync();
            await ForEachItemAsync(name, () => CheckpointService.RemoveAsync(engine, container, name, directory, CancellationToken));
        }
    }
}
