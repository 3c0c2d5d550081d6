using System.Management.Automation;
using KForensics.Core.Checkpoints;
using KForensics.Infrastructure;

namespace KForensics.Commands;

/// <summary>
/// Resumes a container from a checkpoint: the stopped original, or a new clone with -Name. A clone runs
/// suspicious code again, so it starts with no network (only its own loopback) unless -Network names one.
/// </summary>
[Cmdlet(VerbsData.Restore, "Container", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = ByObject)]
[OutputType(typeof(RestoredContainer))]
public sealed class RestoreContainerCommand : DockerCmdlet
{
    private const string ByName = "ByName";
    private const string ByObject = "InputObject";

    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = ByObject)]
    public ContainerCheckpoint[] InputObject { get; set; } = Array.Empty<ContainerCheckpoint>();

    [Parameter(Mandatory = true, Position = 0, ParameterSetName = ByName)]
    [Alias("ContainerId", "ContainerName", "Id")]
    [ValidateNotNullOrEmpty]
    public string[] Container { get; set; } = Array.Empty<string>();

    [Parameter(Mandatory = true, Position = 1, ParameterSetName = ByName)]
    [ValidateNotNullOrEmpty]
    public string Checkpoint { get; set; } = string.Empty;

    [Parameter(ParameterSetName = ByName)]
    [ValidateNotNullOrEmpty]
    public string? CheckpointDirectory { get; set; }

    /// <summary>The clone's name; without it the original container is restored. One clone per invocation.</summary>
    [Parameter]
    [ValidatePattern("^[a-zA-Z0-9][a-zA-Z0-9_.-]+$")]
    public string? Name { get; set; }

    /// <summary>The clone's network (bridge, a user network's name, ...); without it the clone has none but its loopback.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Network { get; set; }

    private int _items;

    protected override async Task ProcessRecordAsync()
    {
        if (Network is not null && Name is null)
        {
            ThrowTerminatingError(new ErrorRecord(new ArgumentException("-Network applies to a clone (-Name); the original container is restored on its own network."),
                ErrorIds.NetworkWithoutClone, ErrorCategory.InvalidArgument, Network));
        }

        var work = (ParameterSetName == ByObject
            ? InputObject.Select(c => (Container: c.ContainerId, Label: c.ContainerName, c.Name, Directory: c.CheckpointDirectory))
            : Container.Select(c => (Container: c, Label: c, Name: Checkpoint,
                Directory: CheckpointDirectory is null ? null : SessionState.Path.GetUnresolvedProviderPathFromPSPath(CheckpointDirectory)))).ToList();

        // -Name makes one new container: a second checkpoint would need a second name. Found before the engine is reached.
        var chosen = new List<(string Container, string Label, string Name, string? Directory)>();
        foreach (var item in work)
        {
            if (Name is not null && ++_items > 1)
            {
                WriteError(new ErrorRecord(new ArgumentException(ErrorRecords.Format(
                        "-Name '{0}' names one clone; checkpoint '{1}' of '{2}' needs a Restore-Container of its own.", Name, item.Name, item.Label)),
                    ErrorIds.CloneNameTaken, ErrorCategory.InvalidArgument, item.Name));
                continue;
            }

            chosen.Add(item);
        }

        if (chosen.Count == 0)
        {
            return;
        }

        var engine = await EngineAsync();
        foreach (var (container, label, checkpoint, directory) in chosen)
        {
            string what = Name is null
                ? ErrorRecords.Format("container '{0}' from checkpoint '{1}'", label, checkpoint)
                : ErrorRecords.Format("new container '{0}' from checkpoint '{1}' of '{2}', {3}", Name, checkpoint, label,
                    Network is null ? "with no network (loopback only)" : "on network '" + Network + "'");
            if (!ShouldProcess(what, "Restore"))
            {
                continue;
            }

            await ForEachItemAsync(container, async () =>
                WriteObject(await RestoreService.RestoreAsync(engine, container, checkpoint, directory, Name, Network, CancellationToken)));
        }
    }
}
