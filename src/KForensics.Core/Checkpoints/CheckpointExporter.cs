using System.Formats.Tar;
using System.Globalization;
using System.IO.Compression;
using System.Text.Json;
using Docker.DotNet.Models;
using KForensics.Core.Docker;
using KForensics.Core.Evidence;
using KForensics.Core.Evidence.Protection;

namespace KForensics.Core.Checkpoints;

/// <summary>
/// Packs a checkpoint as evidence: CRIU's images under checkpoint/, the filesystem changes as
/// rootfs-diff.tar and deleted.files, config.dump and spec.dump as Podman lays them out, the engine's
/// inspect document, and a manifest with the SHA-256 of every member. Written to a partial file and
/// renamed, so a failed export never leaves something that looks complete.
/// </summary>
public static class CheckpointExporter
{
    public static async Task<CheckpointArchive> ExportAsync(DockerEngine engine, string container, string checkpoint, string? checkpointDirectory,
        string path, bool force, string moduleVersion, CancellationToken cancellationToken, IProgress<CheckpointProgress>? progress = null)
        => (await ExportCoreAsync(engine, container, checkpoint, checkpointDirectory, path, force, moduleVersion, null, progress, cancellationToken).ConfigureAwait(false)).Archive;

    /// <summary>The plaintext archive's file name: the target's, with .gpg or .p7m taken off.</summary>
    private static string PlainName(string path)
    {
        string name = Path.GetFileName(path);
        foreach (string extension in new[] { EvidenceFileProtection.Extension, EvidenceFileProtection.CmsExtension })
        {
            if (name.EndsWith(extension, StringComparison.OrdinalIgnoreCase))
            {
                return name[..^extension.Length];
            }
        }

        return name;
    }

    /// <summary>
    /// The same archive encrypted to <paramref name="recipients"/> as it is packed, at <paramref name="path"/> (its name
    /// ends in .gpg or .p7m): the packed checkpoint never reaches the disk in the clear. A custody manifest with the
    /// archive's provenance and both hashes is written beside it.
    /// </summary>
    public static async Task<ProtectedEvidence> ExportProtectedAsync(DockerEngine engine, string container, string checkpoint, string? checkpointDirectory,
        string path, bool force, string moduleVersion, IReadOnlyList<EvidenceRecipient> recipients, CancellationToken cancellationToken,
        IProgress<CheckpointProgress>? progress = null)
    {
        var (archive, digest, manifest) = await ExportCoreAsync(engine, container, checkpoint, checkpointDirectory, path, force, moduleVersion, recipients, progress, cancellationToken)
            .ConfigureAwait(false);
        string plainName = PlainName(path);
        CustodyManifest origin = CustodyManifest.Acquired("ContainerCheckpoint", moduleVersion, manifest.Checkpoint.CreatedUtc, manifest.CreatedUtc, manifest.CreatedUtc,
            new ManifestFile { Name = plainName, Bytes = digest!.PlaintextBytes, Sha256AtSource = digest.PlaintextSha256, Sha256 = digest.PlaintextSha256 },
            new Dictionary<string, object?>
            {
                ["containerId"] = manifest.Container.Id,
                ["containerName"] = manifest.Container.Name,
                ["image"] = manifest.Container.Image,
                ["imageId"] = manifest.Container.ImageId,
                ["checkpoint"] = manifest.Checkpoint.Name,
                ["engine"] = manifest.Engine.Endpoint,
                ["host"] = manifest.Engine.HostName,
                ["members"] = archive.Members.Count,
            });
        return EvidenceFileProtection.Record(path, digest, plainName, null, recipients, origin, DateTime.UtcNow, cancellationToken);
    }

    private static async Task<(CheckpointArchive Archive, ProtectionDigest? Digest, CheckpointManifest Manifest)> ExportCoreAsync(DockerEngine engine, string container,
        string checkpoint, string? checkpointDirectory, string path, bool force, string moduleVersion, IReadOnlyList<EvidenceRecipient>? recipients,
        IProgress<CheckpointProgress>? progress, CancellationToken cancellationToken)
    {
        engine.RequireExperimental();
        (ContainerFacts facts, string json) = await ContainerFacts.LoadAsync(engine, container, cancellationToken).ConfigureAwait(false);
        string location = CheckpointService.LocationOf(engine.Info, facts.Id, checkpoint, checkpointDirectory);
        IReadOnlyList<string> names = await engine.ListCheckpointsAsync(facts.Id, checkpointDirectory, cancellationToken).ConfigureAwait(false);
        if (!names.Contains(checkpoint, StringComparer.Ordinal))
        {
            throw CheckpointService.NotFound(facts.Name, checkpoint);
        }

        if (!engine.Endpoint.IsLocal || !Directory.Exists(location))
        {
            throw new DockerEngineException(DockerErrorKind.CheckpointFilesUnreachable, string.Format(CultureInfo.InvariantCulture,
                "The files of checkpoint '{0}' are not reachable from here ({1}); the engine has no endpoint to download them. Export on the engine's host.",
                checkpoint, location), checkpoint);
        }

        if (File.Exists(path) && !force)
        {
            throw new DockerEngineException(DockerErrorKind.TargetExists, "'" + path + "' already exists.", path);
        }

        string work = Directory.CreateTempSubdirectory("kforensics-export-").FullName;
        string partial = path + ".partial";
        try
        {
            string diff = Path.Combine(work, PodmanLayout.RootfsDiff);
            progress?.Report(new CheckpointProgress("Reading the container's file changes", 0, 0));
            (List<string> deleted, SortedDictionary<string, string> kinds) = await WriteRootfsDiffAsync(engine, facts.Id, diff, cancellationToken).ConfigureAwait(false);
            using JsonDocument inspect = JsonDocument.Parse(json);
            DateTime checkpointed = Directory.GetLastWriteTimeUtc(location);
            var members = new List<EvidenceFile>();
            CheckpointManifest? manifest = null;
            ProtectionDigest? digest = null;
            await using (var file = new FileStream(partial, FileMode.Create, FileAccess.Write, FileShare.None, 81920, useAsync: true))
            {
                using ProtectedWriteStream? encrypted = recipients is null ? null
                    : new ProtectedWriteStream(file, recipients, PlainName(path), checkpointed);
                await using (var gzip = new GZipStream((Stream?)encrypted ?? file, CompressionLevel.Fastest, leaveOpen: true))
                await using (var tar = new TarWriter(gzip, TarEntryFormat.Pax, leaveOpen: false))
                {
                    await tar.WriteEntryAsync(new PaxTarEntry(TarEntryType.Directory, PodmanLayout.CheckpointDirectory + "/")
                    {
                        Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute,
                        ModificationTime = checkpointed,
                    }, cancellationToken).ConfigureAwait(false);
                    List<string> images = Directory.EnumerateFiles(location, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();
                    long total = images.Sum(f => new FileInfo(f).Length) + new FileInfo(diff).Length;
                    long done = 0;
                    foreach (string f in images)
                    {
                        string name = PodmanLayout.CheckpointDirectory + "/" + Path.GetRelativePath(location, f).Replace('\\', '/');
                        progress?.Report(new CheckpointProgress("Packing " + name, done, total));
                        members.Add(await AddFileAsync(tar, f, name, cancellationToken).ConfigureAwait(false));
                        done += members[^1].Length;
                    }

                    progress?.Report(new CheckpointProgress("Packing " + PodmanLayout.RootfsDiff, done, total));
                    members.Add(await AddFileAsync(tar, diff, PodmanLayout.RootfsDiff, cancellationToken).ConfigureAwait(false));
                    progress?.Report(new CheckpointProgress("Writing the manifest", total, total));
                    members.Add(await AddBytesAsync(tar, PodmanLayout.DeletedFiles, JsonSerializer.SerializeToUtf8Bytes(deleted), cancellationToken).ConfigureAwait(false));
                    members.Add(await AddBytesAsync(tar, PodmanLayout.RootfsChanges, JsonSerializer.SerializeToUtf8Bytes(kinds), cancellationToken).ConfigureAwait(false));
                    members.Add(await AddBytesAsync(tar, PodmanLayout.ConfigDump, PodmanLayout.ConfigDumpFor(inspect.RootElement, checkpointed), cancellationToken).ConfigureAwait(false));
                    members.Add(await AddBytesAsync(tar, PodmanLayout.SpecDump, PodmanLayout.SpecDumpFor(inspect.RootElement, engine.Info), cancellationToken).ConfigureAwait(false));
                    members.Add(await AddBytesAsync(tar, PodmanLayout.ContainerJson, System.Text.Encoding.UTF8.GetBytes(json), cancellationToken).ConfigureAwait(false));
                    manifest = await ManifestAsync(engine, facts, checkpoint, location, checkpointed, moduleVersion, members, cancellationToken).ConfigureAwait(false);
                    await AddBytesAsync(tar, CheckpointManifest.FileName, manifest.ToJson(), cancellationToken).ConfigureAwait(false);
                }

                digest = encrypted?.Complete();
            }

            File.Move(partial, path, overwrite: true);
            progress?.Report(new CheckpointProgress("Hashing " + Path.GetFileName(path), 0, 0));
            EvidenceFile archive = await EvidenceFile.FromFileAsync(path, Path.GetFileName(path), cancellationToken).ConfigureAwait(false);
            return (new CheckpointArchive(path, archive.Length, archive.Sha256, facts.Id, facts.Name, checkpoint, DateTime.UtcNow, engine.Info.Endpoint, members), digest, manifest);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
            if (File.Exists(partial))
            {
                File.Delete(partial);
            }
        }
    }

    private static async Task<CheckpointManifest> ManifestAsync(DockerEngine engine, ContainerFacts facts, string checkpoint, string location, DateTime checkpointed,
        string moduleVersion, List<EvidenceFile> members, CancellationToken cancellationToken)
    {
        var manifest = new CheckpointManifest
        {
            CreatedUtc = DateTime.UtcNow,
            Container = { Id = facts.Id, Name = facts.Name, Image = facts.Image, ImageId = facts.ImageId, CreatedUtc = facts.CreatedUtc },
            Checkpoint = { Name = checkpoint, Location = location, CreatedUtc = checkpointed },
            Engine =
            {
                Endpoint = engine.Info.Endpoint, HostName = engine.Info.HostName, Version = engine.Info.Version, ApiVersion = engine.Info.ApiVersion,
                OperatingSystem = engine.Info.OperatingSystem, KernelVersion = engine.Info.KernelVersion,
            },
        };
        manifest.Tools["kforensics"] = moduleVersion;
        manifest.Tools["docker"] = engine.Info.Version;
        manifest.Tools["criu"] = await CriuVersion.OfLocalEngineAsync(cancellationToken).ConfigureAwait(false);
        manifest.Members.AddRange(members.Select(m => new CheckpointManifest.ManifestMember { Path = m.RelativePath, Length = m.Length, Sha256 = m.Sha256 }));
        return manifest;
    }

    /// <summary>
    /// The container's changes as one tar relative to its root. The engine lists every changed path, so
    /// only the top entry of each path's archive is kept (a changed directory's archive holds all of it).
    /// </summary>
    internal static async Task<(List<string> Deleted, SortedDictionary<string, string> Kinds)> WriteRootfsDiffAsync(DockerEngine engine, string containerId, string target,
        CancellationToken cancellationToken)
    {
        IList<ContainerFileSystemChangeResponse> changes = await engine.GetChangesAsync(containerId, cancellationToken).ConfigureAwait(false);
        var deleted = new List<string>();
        var kinds = new SortedDictionary<string, string>(StringComparer.Ordinal);
        await using var file = File.Create(target);
        await using var tar = new TarWriter(file, TarEntryFormat.Pax, leaveOpen: false);
        foreach (ContainerFileSystemChangeResponse change in (changes ?? new List<ContainerFileSystemChangeResponse>()).OrderBy(c => c.Path, StringComparer.Ordinal))
        {
            kinds[change.Path] = change.Kind switch
            {
                FileSystemChangeKind.Add => "Added",
                FileSystemChangeKind.Delete => "Deleted",
                _ => "Modified",
            };
            if (change.Kind == FileSystemChangeKind.Delete)
            {
                deleted.Add(change.Path);
                continue;
            }

            await using Stream stream = await engine.GetArchiveAsync(containerId, change.Path, cancellationToken).ConfigureAwait(false);
            await using var reader = new TarReader(stream, leaveOpen: false);
            TarEntry? entry = await reader.GetNextEntryAsync(copyData: false, cancellationToken).ConfigureAwait(false);
            if (entry is null)
            {
                continue;
            }

            entry.Name = change.Path.TrimStart('/') + (entry.EntryType == TarEntryType.Directory ? "/" : string.Empty);
            await tar.WriteEntryAsync(entry, cancellationToken).ConfigureAwait(false);
        }

        return (deleted, kinds);
    }

    private static async Task<EvidenceFile> AddFileAsync(TarWriter tar, string file, string name, CancellationToken cancellationToken)
    {
        EvidenceFile evidence = await EvidenceFile.FromFileAsync(file, name, cancellationToken).ConfigureAwait(false);
        await tar.WriteEntryAsync(file, name, cancellationToken).ConfigureAwait(false);
        return evidence;
    }

    private static async Task<EvidenceFile> AddBytesAsync(TarWriter tar, string name, byte[] data, CancellationToken cancellationToken)
    {
        using var stream = new MemoryStream(data, writable: false);
        string hash = await EvidenceFile.HashAsync(stream, cancellationToken).ConfigureAwait(false);
        stream.Position = 0;
        await tar.WriteEntryAsync(new PaxTarEntry(TarEntryType.RegularFile, name)
        {
            DataStream = stream,
            Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            ModificationTime = DateTimeOffset.UtcNow,
        }, cancellationToken).ConfigureAwait(false);
        return new EvidenceFile(name, data.Length, hash);
    }
}
