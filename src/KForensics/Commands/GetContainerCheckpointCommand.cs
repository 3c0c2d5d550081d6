using System.Management.Automation;
using KForensics.Core.Checkpoints;
using KForensics.Core.Checkpoints.Inspection;
using KForensics.Core.Criu;
using KForensics.Core.Docker;
using KForensics.Core.Kubernetes;
using KForensics.Infrastructure;

namespace KForensics.Commands;

/// <summary>
/// Lists a container's checkpoints through the engine, with their files hashed when the engine is local;
/// or, with -Path, reads what a checkpoint archive or directory is without any engine (checkpointctl show).
/// </summary>
[Cmdlet(VerbsCommon.Get, "ContainerCheckpoint", DefaultParameterSetName = ContainerSet)]
[OutputType(typeof(ContainerCheckpoint), ParameterSetName = [ContainerSet])]
[OutputType(typeof(CheckpointOverview), ParameterSetName = [PathSet, LiteralPathSet, PodCheckpointSet])]
public sealed class GetContainerCheckpointCommand : DockerCmdlet
{
    private const string ContainerSet = "Container";
    private const string PathSet = "Path";
    private const string LiteralPathSet = "LiteralPath";
    private const string PodCheckpointSet = "PodCheckpoint";

    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = ContainerSet)]
    [Alias("ContainerId", "ContainerName", "Id")]
    [ValidateNotNullOrEmpty]
    public string[] Container { get; set; } = Array.Empty<string>();

    /// <summary>Only the checkpoints with these names (wildcards).</summary>
    [Parameter(Position = 1, ParameterSetName = ContainerSet)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[]? Checkpoint { get; set; }

    [Parameter(ParameterSetName = ContainerSet)]
    [ValidateNotNullOrEmpty]
    public string? CheckpointDirectory { get; set; }

    /// <summary>Checkpoint archives or directories to describe; wildcards allowed.</summary>
    [Parameter(Mandatory = true, ParameterSetName = PathSet)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = [];

    /// <summary>Checkpoint archives or directories to describe, taken as written.</summary>
    [Parameter(Mandatory = true, ParameterSetName = LiteralPathSet, ValueFromPipelineByPropertyName = true)]
    [Alias("PSPath", "LP", "FullName", "Location", "LocalPath")]
    [ValidateNotNullOrEmpty]
    public string[] LiteralPath { get; set; } = [];

    /// <summary>Archives brought home by New-PodCheckpoint: described like -LiteralPath.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = PodCheckpointSet)]
    public PodCheckpoint[] InputObject { get; set; } = [];

    protected override async Task ProcessRecordAsync()
    {
        if (ParameterSetName != ContainerSet)
        {
            await DescribeAsync();
            return;
        }

        string? directory = CheckpointDirectory is null ? null : SessionState.Path.GetUnresolvedProviderPathFromPSPath(CheckpointDirectory);
        var patterns = Checkpoint?.Select(n => new WildcardPattern(n, WildcardOptions.IgnoreCase)).ToArray();
        var engine = await EngineAsync();
        foreach (string container in Container)
        {
            await ForEachItemAsync(container, async () =>
            {
                IReadOnlyList<ContainerCheckpoint> all = await CheckpointService.ListAsync(engine, container, directory, CancellationToken);
                foreach (ContainerCheckpoint found in all)
                {
                    if (patterns is null || patterns.Any(p => p.IsMatch(found.Name)))
                    {
                        WriteObject(found);
                    }
                }

                // A literal name that matched nothing is a miss the user should hear about.
                foreach (string literal in Checkpoint?.Where(n => !WildcardPattern.ContainsWildcardCharacters(n)) ?? Enumerable.Empty<string>())
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

    private async Task DescribeAsync()
    {
        bool literal = ParameterSetName != PathSet;
        string[] given = ParameterSetName switch
        {
            PathSet => Path,
            PodCheckpointSet => InputObject.Select(c => c.Path).ToArray(),
            _ => LiteralPath,
        };
        foreach (string path in PathResolver.Resolve(this, given, literal, directories: true))
        {
            try
            {
                using CheckpointInspector checkpoint = await CheckpointInspector.OpenAsync(path, withMemory: false, withFileChanges: false, withHash: true, CancellationToken);
                WriteObject(checkpoint.Overview());
            }
            catch (CheckpointInspectionException ex)
            {
                WriteError(CheckpointErrors.ToErrorRecord(ex, path));
            }
            catch (CriuImageException ex)
            {
                WriteError(CheckpointErrors.ToErrorRecord(ex, path));
            }
        }
    }
}
