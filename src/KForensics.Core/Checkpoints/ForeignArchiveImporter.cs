using System.Formats.Tar;
using System.IO.Compression;
using System.Text.Json;
using Docker.DotNet.Models;
using KForensics.Core.Checkpoints.Inspection;
using KForensics.Core.Docker;
using KForensics.Core.Evidence;

namespace KForensics.Core.Checkpoints;

/// <summary>
/// Restores a checkpoint archive that another engine wrote (CRI-O/kubelet, containerd 2.x, Podman) into a
/// local Docker sandbox: the container is created from the archive's runtime spec (argv, environment,
/// working directory, user, terminal) on the image its config names, which must be in the local engine;
/// the filesystem changes are copied in and the CRIU images staged, then it is started from them.
/// </summary>
internal static class ForeignArchiveImporter
{
    public const string CheckpointName = "imported";

    public static bool IsForeign(IReadOnlyDictionary<string, EvidenceFile> files)
        => !files.ContainsKey(CheckpointManifest.FileName) && files.ContainsKey(OpenedCheckpoint.ImagesFolder + "/inventory.img");

    public static async Task<RestoredContainer> ImportAsync(DockerEngine engine, string archive, string work, string name, string? network, CancellationToken cancellationToken)
    {
        CheckpointMetadata metadata = CheckpointMetadata.FromArchiveRoot(work);
        string specPath = Path.Combine(work, PodmanLayout.SpecDump);
        if (!File.Exists(specPath))
        {
            throw new DockerEngineException(DockerErrorKind.ArchiveInvalid, "'" + archive + "' has no " + PodmanLayout.SpecDump + "; without the runtime spec the container cannot be recreated.", archive);
        }

        string image = metadata.Image ?? metadata.ImageRef
            ?? throw new DockerEngineException(DockerErrorKind.ArchiveInvalid, "'" + archive + "' names no image in " + PodmanLayout.ConfigDump + ".", archive);
        engine.RequireExperimental();
        RestoreService.RequireLocal(engine, "import a checkpoint");
        string? local = await engine.ImageExistsAsync(image, cancellationToken).ConfigureAwait(false) ? image
            : metadata.ImageRef is not null && await engine.ImageExistsAsync(metadata.ImageRef, cancellationToken).ConfigureAwait(false) ? metadata.ImageRef
            : null;
        if (local is null)
        {
            throw new DockerEngineException(DockerErrorKind.ImageMissing,
                "The checkpoint of '" + metadata.ContainerName + "' (" + metadata.Engine + ") ran on image '" + image + "', which the local engine does not have. "
                + "CRIU restores onto exactly that filesystem: pull it first (docker pull " + image + (metadata.ImageRef is null ? string.Empty : ", or its digest " + metadata.ImageRef) + ") and import again.",
                image);
        }

        CreateContainerParameters parameters;
        using (JsonDocument spec = JsonDocument.Parse(await File.ReadAllBytesAsync(specPath, cancellationToken).ConfigureAwait(false)))
        {
            parameters = FromSpec(spec.RootElement, name, local, metadata, network);
        }

        string? diff;
        try
        {
            diff = await PlainDiffAsync(work, cancellationToken).ConfigureAwait(false);
        }
        catch (ArchiveException ex)
        {
            throw CheckpointImporter.FromArchive(ex);
        }

        return await RestoreService.CreateAndRestoreAsync(engine, parameters, Path.Combine(work, OpenedCheckpoint.ImagesFolder), CheckpointName,
            (metadata.ContainerName ?? "container") + " (" + metadata.Engine + ", " + Path.GetFileName(archive) + ")", diff, cancellationToken).ConfigureAwait(false);
    }

    internal static CreateContainerParameters FromSpec(JsonElement spec, string name, string image, CheckpointMetadata metadata, string? network)
    {
        JsonElement process = spec.TryGetProperty("process", out JsonElement p) ? p : default;
        List<string> args = Strings(process, "args");
        var labels = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [CloneParameters.SourceLabel] = metadata.ContainerId ?? string.Empty,
            [CloneParameters.CheckpointLabel] = CheckpointName,
            ["org.kforensics.source-engine"] = metadata.Engine,
        };
        if (metadata.PodName is not null)
        {
            labels["org.kforensics.source-pod"] = (metadata.Namespace is null ? string.Empty : metadata.Namespace + "/") + metadata.PodName;
        }

        string user = string.Empty;
        if (process.ValueKind == JsonValueKind.Object && process.TryGetProperty("user", out JsonElement u) && u.ValueKind == JsonValueKind.Object)
        {
            string uid = u.TryGetProperty("uid", out JsonElement id) ? id.ToString() : "0";
            string gid = u.TryGetProperty("gid", out JsonElement g) ? g.ToString() : "0";
            user = uid + ":" + gid;
        }

        return new CreateContainerParameters
        {
            Name = name,
            Image = image,
            // The exact argv of the checkpointed process: the first word as the entrypoint, the rest as its arguments.
            Entrypoint = args.Count > 0 ? [args[0]] : null!,
            Cmd = args.Count > 1 ? args.Skip(1).ToList() : [],
            Env = Strings(process, "env"),
            WorkingDir = process.ValueKind == JsonValueKind.Object && process.TryGetProperty("cwd", out JsonElement cwd) ? cwd.GetString() ?? string.Empty : string.Empty,
            User = user,
            Tty = process.ValueKind == JsonValueKind.Object && process.TryGetProperty("terminal", out JsonElement t) && t.ValueKind == JsonValueKind.True,
            Labels = labels,
            HostConfig = new HostConfig { NetworkMode = string.IsNullOrEmpty(network) ? CloneParameters.IsolatedNetwork : network },
        };
    }

    /// <summary>
    /// rootfs-diff.tar as a plain tar the engine can unpack: CRI-O's and Podman's are plain already;
    /// containerd's is gzip'd despite its name and marks deletions with OCI whiteouts, which are left out
    /// (a created container's filesystem cannot be told to delete files).
    /// </summary>
    private static async Task<string?> PlainDiffAsync(string work, CancellationToken cancellationToken)
    {
        string path = Path.Combine(work, PodmanLayout.RootfsDiff);
        if (!File.Exists(path))
        {
            return null;
        }

        byte[] head = new byte[2];
        await using (FileStream probe = File.OpenRead(path))
        {
            _ = await probe.ReadAsync(head, cancellationToken).ConfigureAwait(false);
        }

        if (head[0] != 0x1f || head[1] != 0x8b)
        {
            await SafeArchiveExtractor.CheckNamesAsync(path, cancellationToken).ConfigureAwait(false);
            return path;
        }

        string plain = Path.Combine(work, "rootfs-diff.plain.tar");
        await using (FileStream input = File.OpenRead(path))
        await using (var gzip = new GZipStream(input, CompressionMode.Decompress))
        await using (FileStream output = File.Create(plain))
        await using (var writer = new TarWriter(output, TarEntryFormat.Pax, leaveOpen: false))
        {
            var reader = new TarReader(gzip);
            while (await reader.GetNextEntryAsync(copyData: false, cancellationToken).ConfigureAwait(false) is TarEntry entry)
            {
                if (Path.GetFileName(entry.Name.TrimEnd('/')).StartsWith(".wh.", StringComparison.Ordinal))
                {
                    continue;
                }

                await writer.WriteEntryAsync(entry, cancellationToken).ConfigureAwait(false);
            }
        }

        await SafeArchiveExtractor.CheckNamesAsync(plain, cancellationToken).ConfigureAwait(false);
        return plain;
    }

    private static List<string> Strings(JsonElement element, string name)
        => element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out JsonElement a) && a.ValueKind == JsonValueKind.Array
            ? a.EnumerateArray().Select(e => e.GetString() ?? string.Empty).ToList()
            : [];
}
