using System.Globalization;
using System.Text.Json;
using Docker.DotNet.Models;
using KForensics.Core.Docker;
using KForensics.Core.Evidence;

namespace KForensics.Core.Checkpoints;

/// <summary>
/// Recreates a container from an exported archive and resumes it. Every member is unpacked safely and
/// checked against the manifest before the engine is asked for anything, so a tampered or hostile
/// archive creates nothing.
/// </summary>
public static class CheckpointImporter
{
    /// <summary>Unpacks and verifies; returns the manifest. The caller owns (and deletes) the directory.</summary>
    public static async Task<CheckpointManifest> VerifyAsync(string archive, string directory, CancellationToken cancellationToken)
        => await VerifyAsync(archive, directory, await ExtractAsync(archive, directory, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);

    private static async Task<IReadOnlyDictionary<string, EvidenceFile>> ExtractAsync(string archive, string directory, CancellationToken cancellationToken)
    {
        try
        {
            return await SafeArchiveExtractor.ExtractAsync(archive, directory, cancellationToken).ConfigureAwait(false);
        }
        catch (ArchiveException ex)
        {
            throw FromArchive(ex);
        }
    }

    private static async Task<CheckpointManifest> VerifyAsync(string archive, string directory, IReadOnlyDictionary<string, EvidenceFile> files, CancellationToken cancellationToken)
    {

        if (!files.ContainsKey(CheckpointManifest.FileName))
        {
            throw new DockerEngineException(DockerErrorKind.ArchiveInvalid, "'" + archive + "' has no " + CheckpointManifest.FileName + "; it is not a KForensics checkpoint archive.", archive);
        }

        CheckpointManifest? manifest;
        try
        {
            manifest = CheckpointManifest.Parse(await File.ReadAllBytesAsync(Path.Combine(directory, CheckpointManifest.FileName), cancellationToken).ConfigureAwait(false));
        }
        catch (JsonException ex)
        {
            throw new DockerEngineException(DockerErrorKind.ArchiveInvalid, "The manifest of '" + archive + "' is not valid JSON: " + ex.Message, archive, ex);
        }

        if (manifest is null || manifest.Format != CheckpointManifest.CurrentFormat || manifest.Members.Count == 0)
        {
            throw new DockerEngineException(DockerErrorKind.ArchiveInvalid, "The manifest of '" + archive + "' is not a " + CheckpointManifest.CurrentFormat + " manifest.", archive);
        }

        var listed = manifest.Members.ToDictionary(m => m.Path, StringComparer.Ordinal);
        foreach (CheckpointManifest.ManifestMember member in manifest.Members)
        {
            if (!files.TryGetValue(member.Path, out EvidenceFile? actual))
            {
                throw Mismatch(archive, member.Path, "is listed in the manifest but missing");
            }

            if (actual.Length != member.Length || !string.Equals(actual.Sha256, member.Sha256, StringComparison.OrdinalIgnoreCase))
            {
                throw Mismatch(archive, member.Path, string.Format(CultureInfo.InvariantCulture, "has SHA-256 {0} ({1} bytes) but the manifest records {2} ({3} bytes)",
                    actual.Sha256, actual.Length, member.Sha256, member.Length));
            }
        }

        string? extra = files.Keys.FirstOrDefault(k => k != CheckpointManifest.FileName && !listed.ContainsKey(k));
        if (extra is not null)
        {
            throw Mismatch(archive, extra, "is not listed in the manifest");
        }

        foreach (string required in new[] { PodmanLayout.ContainerJson, PodmanLayout.RootfsDiff })
        {
            if (!listed.ContainsKey(required))
            {
                throw new DockerEngineException(DockerErrorKind.ArchiveInvalid, "'" + archive + "' has no " + required + ".", archive);
            }
        }

        try
        {
            await SafeArchiveExtractor.CheckNamesAsync(Path.Combine(directory, PodmanLayout.RootfsDiff), cancellationToken).ConfigureAwait(false);
        }
        catch (ArchiveException ex)
        {
            throw FromArchive(ex);
        }

        return manifest;
    }

    public static async Task<RestoredContainer> ImportAsync(DockerEngine engine, string archive, string name, string? network, CancellationToken cancellationToken,
        IProgress<CheckpointProgress>? progress = null)
    {
        string work = Directory.CreateTempSubdirectory("kforensics-import-").FullName;
        try
        {
            // The steps in the order they run; the share is that of the steps done (unpacking dominates a large archive).
            progress?.Report(new CheckpointProgress("Unpacking and hashing " + Path.GetFileName(archive), 0, 3));
            IReadOnlyDictionary<string, EvidenceFile> files = await ExtractAsync(archive, work, cancellationToken).ConfigureAwait(false);
            if (ForeignArchiveImporter.IsForeign(files))
            {
                // A CRI-O/kubelet, containerd or Podman archive: no manifest of ours to verify against.
                progress?.Report(new CheckpointProgress("Creating " + name + " and restoring the checkpoint into it", 2, 3));
                return await ForeignArchiveImporter.ImportAsync(engine, archive, work, name, network, cancellationToken).ConfigureAwait(false);
            }

            progress?.Report(new CheckpointProgress("Checking every member against the manifest", 1, 3));
            CheckpointManifest manifest = await VerifyAsync(archive, work, files, cancellationToken).ConfigureAwait(false);
            engine.RequireExperimental();
            RestoreService.RequireLocal(engine, "import a checkpoint");
            string json = await File.ReadAllTextAsync(Path.Combine(work, PodmanLayout.ContainerJson), cancellationToken).ConfigureAwait(false);
            using JsonDocument inspect = JsonDocument.Parse(json);
            CreateContainerParameters parameters = CloneParameters.From(inspect.RootElement, name, manifest.Checkpoint.Name, network);
            progress?.Report(new CheckpointProgress("Creating " + name + " and restoring the checkpoint into it", 2, 3));
            return await RestoreService.CreateAndRestoreAsync(engine, parameters, Path.Combine(work, PodmanLayout.CheckpointDirectory), manifest.Checkpoint.Name,
                manifest.Container.Name + " (" + Path.GetFileName(archive) + ")", Path.Combine(work, PodmanLayout.RootfsDiff), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    internal static DockerEngineException FromArchive(ArchiveException ex)
        => new(ex.Kind == ArchiveErrorKind.UnsafePath ? DockerErrorKind.ArchiveUnsafePath : DockerErrorKind.ArchiveInvalid, ex.Message, ex.Target, ex);

    private static DockerEngineException Mismatch(string archive, string member, string why)
        => new(DockerErrorKind.ArchiveHashMismatch, "Refused '" + archive + "': member '" + member + "' " + why + ". The archive was changed after export; nothing was created.", member);
}
