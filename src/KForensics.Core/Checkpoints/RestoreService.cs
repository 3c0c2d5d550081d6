using System.Globalization;
using System.Text.Json;
using Docker.DotNet.Models;
using KForensics.Core.Docker;

namespace KForensics.Core.Checkpoints;

/// <summary>
/// Restores a checkpoint into its stopped original or into a new clone. The engine only restores from
/// a container's own checkpoint directory ("custom checkpointdir is not supported"), so on a local
/// engine the checkpoint is staged there first.
/// </summary>
public static class RestoreService
{
    public static async Task<RestoredContainer> RestoreAsync(DockerEngine engine, string container, string checkpoint, string? checkpointDirectory,
        string? cloneName, string? network, CancellationToken cancellationToken)
    {
        engine.RequireExperimental();
        (ContainerFacts facts, string json) = await ContainerFacts.LoadAsync(engine, container, cancellationToken).ConfigureAwait(false);
        string source = CheckpointService.LocationOf(engine.Info, facts.Id, checkpoint, checkpointDirectory);
        if (string.IsNullOrEmpty(cloneName))
        {
            if (facts.Running)
            {
                throw new DockerEngineException(DockerErrorKind.ContainerRunning, string.Format(CultureInfo.InvariantCulture,
                    "Container '{0}' is running; a checkpoint is restored only into a stopped container.", facts.Name), container);
            }

            if (checkpointDirectory is not null)
            {
                Stage(engine, source, facts.Id, checkpoint);
            }
            else
            {
                await RequireCheckpointAsync(engine, facts, checkpoint, cancellationToken).ConfigureAwait(false);
            }

            await engine.StartAsync(facts.Id, checkpoint, cancellationToken).ConfigureAwait(false);
            return await DescribeAsync(engine, facts.Id, checkpoint, facts.Name, false, cancellationToken).ConfigureAwait(false);
        }

        RequireLocal(engine, "restore into a clone");
        await RequireCheckpointAsync(engine, facts, checkpoint, checkpointDirectory, cancellationToken).ConfigureAwait(false);
        using JsonDocument inspect = JsonDocument.Parse(json);
        CreateContainerParameters parameters = CloneParameters.From(inspect.RootElement, cloneName, checkpoint, network);
        // The clone starts from the image; the files the original wrote (ones its processes hold open among them) are copied in first.
        string work = Directory.CreateTempSubdirectory("kforensics-clone-").FullName;
        try
        {
            string diff = Path.Combine(work, PodmanLayout.RootfsDiff);
            await CheckpointExporter.WriteRootfsDiffAsync(engine, facts.Id, diff, cancellationToken).ConfigureAwait(false);
            return await CreateAndRestoreAsync(engine, parameters, source, checkpoint, facts.Name, diff, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>Creates the clone, adds its filesystem changes, stages the checkpoint and starts it; removes the clone when any step fails.</summary>
    internal static async Task<RestoredContainer> CreateAndRestoreAsync(DockerEngine engine, CreateContainerParameters parameters, string checkpointSource,
        string checkpoint, string sourceName, string? rootfsDiff, CancellationToken cancellationToken)
    {
        CreateContainerResponse created = await engine.CreateContainerAsync(parameters, cancellationToken).ConfigureAwait(false);
        try
        {
            if (rootfsDiff is not null && new FileInfo(rootfsDiff).Length > 1024)
            {
                await using FileStream diff = File.OpenRead(rootfsDiff);
                await engine.PutArchiveAsync(created.ID, diff, cancellationToken).ConfigureAwait(false);
            }

            Stage(engine, checkpointSource, created.ID, checkpoint);
            await engine.StartAsync(created.ID, checkpoint, cancellationToken).ConfigureAwait(false);
        }
        catch (DockerEngineException ex) when (ex.Kind == DockerErrorKind.CriuFailed && parameters.HostConfig?.NetworkMode == CloneParameters.IsolatedNetwork)
        {
            await engine.RemoveContainerAsync(created.ID, CancellationToken.None).ConfigureAwait(false);
            // CRIU's restore log goes with the failed task; the checkpoint itself says which sockets need an address the isolated namespace lacks.
            IReadOnlyList<string> sockets = await SocketsNeedingNetworkAsync(checkpointSource).ConfigureAwait(false);
            if (sockets.Count == 0 && !ex.Message.Contains("socket", StringComparison.OrdinalIgnoreCase))
            {
                throw;
            }

            string which = sockets.Count == 0 ? "a socket" : "these sockets, bound to addresses it does not have: " + string.Join("; ", sockets);
            throw new DockerEngineException(DockerErrorKind.CriuFailed,
                "The clone was restored with no network (only its loopback), and CRIU could not restore " + which + "."
                + Environment.NewLine + ex.Message,
                ex.Target, ex)
            {
                Remedy = DockerRemedy.GiveCloneNetwork,
            };
        }
        catch
        {
            // A clone that never resumed is no evidence of anything: leave nothing behind.
            await engine.RemoveContainerAsync(created.ID, CancellationToken.None).ConfigureAwait(false);
            throw;
        }

        return await DescribeAsync(engine, created.ID, checkpoint, sourceName, true, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The inet sockets of a checkpoint bound to an address other than loopback or the wildcard, described.</summary>
    internal static async Task<IReadOnlyList<string>> SocketsNeedingNetworkAsync(string checkpointDirectory)
    {
        try
        {
            using Inspection.CheckpointInspector inspector = await Inspection.CheckpointInspector.OpenAsync(checkpointDirectory, false, false, CancellationToken.None).ConfigureAwait(false);
            return inspector.Sockets(null, CancellationToken.None)
                .Where(s => s.Family is "IPv4" or "IPv6" && s.LocalAddress is string a && !IsLocalOnly(a))
                .Select(s => string.Format(CultureInfo.InvariantCulture, "{0} {1}:{2}{3} ({4}) on fd {5} of process {6} ({7})", s.Protocol, s.LocalAddress, s.LocalPort,
                    s.RemoteAddress is null ? string.Empty : " -> " + s.RemoteAddress + ":" + s.RemotePort, s.State, s.Fd, s.ProcessId, s.Process))
                .ToList();
        }
        catch (Exception e) when (e is Criu.CriuImageException or Inspection.CheckpointInspectionException or IOException)
        {
            return [];
        }
    }

    private static bool IsLocalOnly(string address)
        => address is "0.0.0.0" or "::" or "::1" || address.StartsWith("127.", StringComparison.Ordinal) || address.StartsWith("::ffff:127.", StringComparison.Ordinal);

    internal static void RequireLocal(DockerEngine engine, string what)
    {
        if (!engine.Endpoint.IsLocal)
        {
            throw new DockerEngineException(DockerErrorKind.StagingUnavailable, string.Format(CultureInfo.InvariantCulture,
                "Cannot {0} on the remote engine {1}: the engine restores only from a container's own checkpoint directory (it refuses a custom one), and that directory can be written only on the engine's host.",
                what, engine.Endpoint), engine.Endpoint.ToString())
            {
                Remedy = DockerRemedy.RunOnEngineHost,
            };
        }
    }

    private static async Task RequireCheckpointAsync(DockerEngine engine, ContainerFacts facts, string checkpoint, CancellationToken cancellationToken)
        => await RequireCheckpointAsync(engine, facts, checkpoint, null, cancellationToken).ConfigureAwait(false);

    private static async Task RequireCheckpointAsync(DockerEngine engine, ContainerFacts facts, string checkpoint, string? directory, CancellationToken cancellationToken)
    {
        IReadOnlyList<string> names = await engine.ListCheckpointsAsync(facts.Id, directory, cancellationToken).ConfigureAwait(false);
        if (!names.Contains(checkpoint, StringComparer.Ordinal))
        {
            throw CheckpointService.NotFound(facts.Name, checkpoint);
        }
    }

    /// <summary>Copies a checkpoint into a container's own checkpoint directory, where the engine will look for it.</summary>
    internal static void Stage(DockerEngine engine, string source, string containerId, string checkpoint)
    {
        RequireLocal(engine, "stage a checkpoint");
        string target = Path.Combine(CheckpointService.OwnDirectory(engine.Info, containerId), checkpoint);
        if (string.Equals(Path.GetFullPath(source), Path.GetFullPath(target), StringComparison.Ordinal))
        {
            return;
        }

        if (!Directory.Exists(source))
        {
            throw new DockerEngineException(DockerErrorKind.CheckpointNotFound, "The checkpoint directory '" + source + "' does not exist.", checkpoint);
        }

        try
        {
            CopyDirectory(source, target);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new DockerEngineException(DockerErrorKind.StagingUnavailable, string.Format(CultureInfo.InvariantCulture,
                "Cannot stage the checkpoint into '{0}': {1} Staging writes into the engine's root directory ({2}), which needs root.", target, ex.Message, engine.Info.RootDirectory), target, ex);
        }
    }

    private static void CopyDirectory(string source, string target)
    {
        Directory.CreateDirectory(target);
        foreach (string dir in Directory.EnumerateDirectories(source, "*", SearchOption.AllDirectories))
        {
            Directory.CreateDirectory(Path.Combine(target, Path.GetRelativePath(source, dir)));
        }

        foreach (string file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            File.Copy(file, Path.Combine(target, Path.GetRelativePath(source, file)), overwrite: true);
        }
    }

    private static async Task<RestoredContainer> DescribeAsync(DockerEngine engine, string id, string checkpoint, string source, bool clone, CancellationToken cancellationToken)
    {
        (ContainerFacts facts, _) = await ContainerFacts.LoadAsync(engine, id, cancellationToken).ConfigureAwait(false);
        return new RestoredContainer(facts.Id, facts.Name, checkpoint, source, facts.StartedUtc, facts.Status, engine.Info.Endpoint, clone, facts.NetworkMode);
    }
}
