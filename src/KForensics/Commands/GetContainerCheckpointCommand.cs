using System.Management.Automation;
using KForensics.Core.Checkpoints;
using KForensics.Core.Docker;
using KForensics.Infrastructure;

namespace KForensics.Commands;

/// <summary>Lists a container's checkpoints, with their files hashed when the engine is local.</summary>
[Cmdlet(VerbsCommon.Get, "ContainerCheckpoint")]
[OutputType(typeof(ContainerCheckpoint))]
public sealed class GetContainerCheckpointCommand : DockerCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("ContainerId", "ContainerName", "Id")]
    [ValidateNotNullOrEmpty]
    public string[] Container { get; set; } = Array.Empty<string>();

    [Parameter(Position = 1)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[]? Name { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? CheckpointDirectory { get; set; }

    protected override async Task ProcessRecordAsync()
    {
        string? directory = CheckpointDirectory is null ? null : SessionState.Path.GetUnresolvedProviderPathFromPSPath(CheckpointDirectory);
        var patterns = Name?.Select(n => new WildcardPattern(n, WildcardOptions.IgnoreCase)).ToArray();
        var engine = await EngineAsync();
        foreach (string container in Container)
        {
            await ForEachItemAsync(container, async () =>
            {
                IReadOnlyList<ContainerCheckpoint> all = await CheckpointService.ListAsync(engine, container, directory, CancellationToken);
                foreach (ContainerCheckpoint checkpoint in all)
                {
                    if (patterns is null || patterns.Any(p => p.IsMatch(checkpoint.Name)))
                    {
                        WriteObject(checkpoint);
                    }
                }

                // A literal name that matched nothing is a miss the user should hear about.
                foreach (string literal in Name?.Where(n => !WildcardPattern.ContainsWildcardCharacters(n)) ?? Enumerable.Empty<string>())
                {
                    if (!all.Any(c => string.Equals(c.Name, literal, StringComparison.OrdinalIgnoreCase)))
                    {
                        WriteError(ToErrorRecord(new DockerEngineException(DockerErrorKind.CheckpointNotFound,
                            ErrorRecords.Format("Container '{0}' has no checkpoint named '{1}'.", container, literal), literal), literal));
                    }
                }
            });
        }
    }
}
