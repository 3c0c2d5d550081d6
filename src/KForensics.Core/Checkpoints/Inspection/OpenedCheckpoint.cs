using KForensics.Core.Evidence;

namespace KForensics.Core.Checkpoints.Inspection;

/// <summary>Which parts of an archive a reader needs unpacked; metadata files are always unpacked.</summary>
[Flags]
internal enum CheckpointParts
{
    Metadata = 0,

    /// <summary>CRIU's images except the memory pages.</summary>
    Images = 1,

    /// <summary>The memory pages (pages-*.img), the bulk of an archive.</summary>
    Pages = 2,

    /// <summary>The filesystem changes (rootfs-diff.tar).</summary>
    RootfsDiff = 4,

    /// <summary>The archive's SHA-256 (read it whole); without it a plain tar is read by seeking, and its pages stay in it.</summary>
    Hash = 8,

    All = Images | Pages | RootfsDiff,
}

/// <summary>
/// A checkpoint opened for reading, whatever its layout: a CRIU images directory (Docker's own
/// checkpoint directory among them), an unpacked archive, or an archive (plain, gzip or zstd tar)
/// unpacked safely into a private temporary directory that is removed on dispose. The evidence itself
/// is only ever read.
/// </summary>
internal sealed class OpenedCheckpoint : IDisposable
{
    public const string ImagesFolder = "checkpoint";

    private readonly string? _temporary;
    private Criu.CriuImageSet? _images;

    private OpenedCheckpoint(string path, CheckpointLayout layout, string imagesDirectory, string? rootDirectory, CheckpointMetadata metadata,
        IReadOnlyList<ArchiveMember> members, ExtractedArchive? archive, string? temporary)
    {
        Path = path;
        Layout = layout;
        ImagesDirectory = imagesDirectory;
        RootDirectory = rootDirectory;
        Metadata = metadata;
        Members = members;
        Archive = archive;
        _temporary = temporary;
    }

    /// <summary>The checkpoint as the user named it (full path).</summary>
    public string Path { get; }

    public CheckpointLayout Layout { get; }

    /// <summary>The directory holding CRIU's images.</summary>
    public string ImagesDirectory { get; }

    /// <summary>The directory holding the layout's other files (config.dump, rootfs-diff.tar, ...); null for a bare images directory.</summary>
    public string? RootDirectory { get; }

    public CheckpointMetadata Metadata { get; }

    /// <summary>Every file of the checkpoint relative to its root ("checkpoint/core-1.img", "config.dump"), with sizes.</summary>
    public IReadOnlyList<ArchiveMember> Members { get; }

    /// <summary>The archive as read (hash, compression); null for directories.</summary>
    public ExtractedArchive? Archive { get; }

    /// <summary>CRIU's images, decoded lazily; pages left packed in a plain archive are read from it in place.</summary>
    public Criu.CriuImageSet Images => _images ??= Criu.CriuImageSet.Open(ImagesDirectory, PackedImage);

    private Criu.PackedImage? PackedImage(string fileName)
    {
        if (Archive is null)
        {
            return null;
        }

        ArchiveMember? member = Members.FirstOrDefault(m => m.Name == ImagesFolder + "/" + fileName);
        return member is { DataOffset: >= 0 } ? new Criu.PackedImage(Path, member.DataOffset, member.Length) : null;
    }

    private static ArchiveCompression Detect(string path)
    {
        using FileStream stream = File.OpenRead(path);
        return ArchiveStreams.Detect(stream);
    }

    /// <summary>The filesystem changes tar, when the layout has one (and it was asked for).</summary>
    public string? RootfsDiff
    {
        get
        {
            string? path = RootDirectory is null ? null : System.IO.Path.Combine(RootDirectory, PodmanLayout.RootfsDiff);
            return path is not null && File.Exists(path) ? path : null;
        }
    }

    public static async Task<OpenedCheckpoint> OpenAsync(string path, CheckpointParts parts, CancellationToken cancellationToken)
    {
        string full = System.IO.Path.GetFullPath(path);
        if (Directory.Exists(full))
        {
            return OpenDirectory(full);
        }

        if (!File.Exists(full))
        {
            throw new CheckpointInspectionException(CheckpointInspectionErrorKind.NotACheckpoint, "'" + path + "' does not exist.", path);
        }

        string temporary = Directory.CreateTempSubdirectory("kforensics-inspect-").FullName;
        try
        {
            ExtractedArchive archive;
            try
            {
                bool hash = parts.HasFlag(CheckpointParts.Hash);
                // A plain tar read without hashing keeps its pages where they are: memory is read from the archive itself.
                bool pagesInPlace = !hash && Detect(full) == ArchiveCompression.None;
                CheckpointParts unpack = pagesInPlace ? parts & ~CheckpointParts.Pages : parts;
                archive = await SafeArchiveExtractor.ExtractAsync(full, temporary, name => Wanted(name, unpack), hash, cancellationToken).ConfigureAwait(false);
            }
            catch (ArchiveException ex)
            {
                throw new CheckpointInspectionException(ex.Kind == ArchiveErrorKind.UnsafePath ? CheckpointInspectionErrorKind.ArchiveUnsafe : CheckpointInspectionErrorKind.ArchiveInvalid,
                    ex.Message, ex.Target ?? path, ex);
            }

            if (!archive.Members.Any(m => m.Name == ImagesFolder && m.IsDirectory) && !archive.Members.Any(m => m.Name.StartsWith(ImagesFolder + "/", StringComparison.Ordinal)))
            {
                throw new CheckpointInspectionException(CheckpointInspectionErrorKind.NotACheckpoint,
                    "'" + path + "' is not a checkpoint archive: it has no " + ImagesFolder + "/ directory.", path);
            }

            string images = System.IO.Path.Combine(temporary, ImagesFolder);
            Directory.CreateDirectory(images);
            CheckpointMetadata metadata = CheckpointMetadata.FromArchiveRoot(temporary);
            return new OpenedCheckpoint(full, CheckpointLayout.Archive, images, temporary, metadata, archive.Members, archive, temporary);
        }
        catch
        {
            Directory.Delete(temporary, recursive: true);
            throw;
        }
    }

    private static OpenedCheckpoint OpenDirectory(string full)
    {
        if (File.Exists(System.IO.Path.Combine(full, ImagesFolder, "inventory.img")))
        {
            return new OpenedCheckpoint(full, CheckpointLayout.UnpackedArchive, System.IO.Path.Combine(full, ImagesFolder), full,
                CheckpointMetadata.FromArchiveRoot(full), MembersOf(full), null, null);
        }

        if (!File.Exists(System.IO.Path.Combine(full, "inventory.img")))
        {
            throw new CheckpointInspectionException(CheckpointInspectionErrorKind.NotACheckpoint,
                "'" + full + "' is not a checkpoint: it holds neither CRIU's inventory.img nor a " + ImagesFolder + "/ directory with one.", full);
        }

        // The checkpoint/ folder of an unpacked archive: its metadata sit one level up.
        DirectoryInfo? parent = Directory.GetParent(full);
        if (parent is not null && System.IO.Path.GetFileName(full) == ImagesFolder && File.Exists(System.IO.Path.Combine(parent.FullName, PodmanLayout.ConfigDump)))
        {
            return new OpenedCheckpoint(parent.FullName, CheckpointLayout.UnpackedArchive, full, parent.FullName,
                CheckpointMetadata.FromArchiveRoot(parent.FullName), MembersOf(parent.FullName), null, null);
        }

        CheckpointMetadata docker = CheckpointMetadata.FromDockerDirectory(full);
        var members = MembersOf(full).Select(m => m with { Name = ImagesFolder + "/" + m.Name }).ToList();
        return new OpenedCheckpoint(full, docker.ContainerId is null ? CheckpointLayout.ImagesDirectory : CheckpointLayout.DockerDirectory,
            full, null, docker, members, null, null);
    }

    private static List<ArchiveMember> MembersOf(string directory)
        => Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories)
            .Select(f => new ArchiveMember(System.IO.Path.GetRelativePath(directory, f).Replace('\\', '/'), false, new FileInfo(f).Length))
            .OrderBy(m => m.Name, StringComparer.Ordinal)
            .ToList();

    private static bool Wanted(string name, CheckpointParts parts)
    {
        if (name.StartsWith(ImagesFolder + "/", StringComparison.Ordinal))
        {
            bool pages = System.IO.Path.GetFileName(name).StartsWith("pages-", StringComparison.Ordinal);
            return pages ? parts.HasFlag(CheckpointParts.Pages) : parts.HasFlag(CheckpointParts.Images);
        }

        if (name == PodmanLayout.RootfsDiff)
        {
            return parts.HasFlag(CheckpointParts.RootfsDiff);
        }

        // Top-level metadata are small; anything deeper (volumes/, ...) is not read.
        return !name.Contains('/');
    }

    public void Dispose()
    {
        if (_temporary is not null && Directory.Exists(_temporary))
        {
            Directory.Delete(_temporary, recursive: true);
        }
    }
}

/// <summary>How a checkpoint was given.</summary>
public enum CheckpointLayout
{
    /// <summary>A directory of CRIU images without metadata.</summary>
    ImagesDirectory,

    /// <summary>Docker's own checkpoint directory, beside the container's configuration.</summary>
    DockerDirectory,

    /// <summary>A directory laid out as an archive (checkpoint/, config.dump, spec.dump, ...).</summary>
    UnpackedArchive,

    /// <summary>A checkpoint archive: Podman, CRI-O/kubelet, containerd or this module's export.</summary>
    Archive,
}
