using System.Globalization;
using System.Text.Json;
using KForensics.Core.Docker;
using KForensics.Core.Evidence;

namespace KForensics.Core.Checkpoints;

/// <summary>Creates, lists and removes checkpoints through the engine's experimental endpoints.</summary>
public static class CheckpointService
{
    /// <summary>A name that sorts by time and is safe on every file system (no ':').</summary>
    public static string DefaultName(DateTime utc) => "cp-" + utc.ToString("yyyyMMdd'T'HHmmssfff'Z'", CultureInfo.InvariantCulture);

    public static async Task<ContainerCheckpoint> CreateAsync(DockerEngine engine, string container, string? name, bool leaveRunning,
        string? checkpointDirectory, CancellationToken cancellationToken)
    {
        engine.RequireExperimental();
        (ContainerFacts facts, _) = await ContainerFacts.LoadAsync(engine, container, cancellationToken).ConfigureAwait(false);
        if (!facts.Running)
        {
            throw new DockerEngineException(DockerErrorKind.ContainerNotRunning, string.Format(CultureInfo.InvariantCulture,
                "Container '{0}' is {1}; only a running container can be checkpointed.", facts.Name, facts.Status), container);
        }

        DateTime created = DateTime.UtcNow;
        name = string.IsNullOrEmpty(name) ? DefaultName(created) : name;
        await engine.CreateCheckpointAsync(facts.Id, name, !leaveRunning, checkpointDirectory, cancellationToken).ConfigureAwait(false);
        return await DescribeAsync(engine, facts, name, checkpointDirectory, created, leaveRunning, cancellationToken).ConfigureAwait(false);
    }

    public static async Task<IReadOnlyList<ContainerCheckpoint>> ListAsync(DockerEngine engine, string container, string? checkpointDirectory,
        CancellationToken cancellationToken)
    {
        engine.RequireExperimental();
        (ContainerFacts facts, _) = await ContainerFacts.LoadAsync(engine, container, cancellationToken).ConfigureAwait(false);
        IReadOnlyList<string> names = await engine.ListCheckpointsAsync(facts.Id, checkpointDirectory, cancellationToken).ConfigureAwait(false);
        var result = new List<ContainerCheckpoint>(names.Count);
        foreach (string name in names.Order(StringComparer.Ordinal))
        {
            result.Add(await DescribeAsync(engine, facts, name, checkpointDirectory, null, null, cancellationToken).ConfigureAwait(false));
        }

        return result;
    }

    public static async Task RemoveAsync(DockerEngine engine, string container, string name, string? checkpointDirectory, CancellationToken cancellationToken)
    {
        engine.RequireExperimental();
        (ContainerFacts facts, _) = await ContainerFacts.LoadAsync(engine, container, cancellationToken).ConfigureAwait(false);
        IReadOnlyList<string> names = await engine.ListCheckpointsAsync(facts.Id, checkpointDirectory, cancellationToken).ConfigureAwait(false);
        if (!names.Contains(name, StringComparer.Ordinal))
        {
            throw NotFound(facts.Name, name);
        }

        await engine.DeleteCheckpointAsync(facts.Id, name, checkpointDirectory, cancellationToken).ConfigureAwait(false);
    }

    internal static DockerEngineException NotFound(string container, string name)
        => new(DockerErrorKind.CheckpointNotFound, string.Format(CultureInfo.InvariantCulture,
            "Container '{0}' has no checkpoint named '{1}'.", container, name), name);

    /// <summary>Where the engine keeps a checkpoint: the custom parent directory, else the container's own.</summary>
    internal static string LocationOf(EngineInfo info, string containerId, string name, string? checkpointDirectory)
        => Path.Combine(checkpointDirectory ?? OwnDirectory(info, containerId), name);

    internal static string OwnDirectory(EngineInfo info, string containerId)
        => Path.Combine(info.RootDirectory, "containers", containerId, "checkpoints");

    internal static async Task<ContainerCheckpoint> DescribeAsync(DockerEngine engine, ContainerFacts facts, string name, string? checkpointDirectory,
        DateTime? created, bool? leftRunning, CancellationToken cancellationToken)
    {
        string location = LocationOf(engine.Info, facts.Id, name, checkpointDirectory);
        IReadOnlyList<EvidenceFile> files = Array.Empty<EvidenceFile>();
        if (engine.Endpoint.IsLocal && Directory.Exists(location))
        {
            files = await EvidenceFile.FromDirectoryAsync(location, string.Empty, cancellationToken).ConfigureAwait(false);
            created ??= Directory.GetLastWriteTimeUtc(location);
        }

        return new ContainerCheckpoint(facts.Id, facts.Name, facts.Image, facts.ImageId, name, location, checkpointDirectory,
            created, engine.Info.Endpoint, engine.Info.Version, leftRunning, files);
    }
}
