using System.Formats.Tar;
using System.Globalization;
using System.Security.Cryptography;
using KForensics.Core.Evidence;

namespace KForensics.Core.Checkpoints.Inspection;

/// <summary>
/// Reads a checkpoint's filesystem changes: rootfs-diff.tar (plain, or gzip'd as containerd writes it)
/// streamed with every file hashed and nothing unpacked, plus deletions from deleted.files (Podman,
/// CRI-O, this module) or from OCI whiteouts (containerd).
/// </summary>
internal static class FileChangeReader
{
    private const string Whiteout = ".wh.";
    private const string OpaqueWhiteout = ".wh..wh..opq";

    public static async IAsyncEnumerable<CheckpointFileChange> ReadAsync(OpenedCheckpoint checkpoint,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        IReadOnlyDictionary<string, string> kinds = checkpoint.Metadata.ChangeKinds;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        string? diff = checkpoint.RootfsDiff;
        if (diff is not null)
        {
            await using FileStream file = File.OpenRead(diff);
            await using Stream input = ArchiveStreams.Decompress(file, ArchiveStreams.Detect(file));
            await using var reader = new TarReader(input);
            while (true)
            {
                TarEntry? entry;
                try
                {
                    entry = await reader.GetNextEntryAsync(copyData: false, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is InvalidDataException or FormatException or EndOfStreamException or IOException)
                {
                    throw new CheckpointInspectionException(CheckpointInspectionErrorKind.ArchiveInvalid,
                        "The filesystem changes (" + PodmanLayout.RootfsDiff + ") of '" + checkpoint.Path + "' are not a readable tar: " + ex.Message, checkpoint.Path, ex);
                }

                if (entry is null)
                {
                    break;
                }

                string path = "/" + entry.Name.Replace('\\', '/').TrimStart('.').Trim('/');
                string name = System.IO.Path.GetFileName(path);
                string parent = System.IO.Path.GetDirectoryName(path)?.Replace('\\', '/') ?? "/";
                if (name == OpaqueWhiteout)
                {
                    // Everything the image had below this directory is hidden: the directory was replaced.
                    seen.Add(parent);
                    yield return new CheckpointFileChange(checkpoint.Path, parent, FileChangeKind.Modified, "Directory", 0, null, null, null, null);
                    continue;
                }

                if (name.StartsWith(Whiteout, StringComparison.Ordinal))
                {
                    string deleted = (parent == "/" ? string.Empty : parent) + "/" + name[Whiteout.Length..];
                    seen.Add(deleted);
                    yield return new CheckpointFileChange(checkpoint.Path, deleted, FileChangeKind.Deleted, string.Empty, 0, null, null, null, null);
                    continue;
                }

                if (path == "/" || (entry.EntryType == TarEntryType.Directory && !kinds.ContainsKey(path)))
                {
                    // Directories are carried as parents of the files in them; only recorded ones are changes.
                    continue;
                }

                seen.Add(path);
                string? sha = null;
                if (entry.DataStream is not null && entry.EntryType is TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile)
                {
                    sha = EvidenceHash.ToHex(await SHA256.HashDataAsync(entry.DataStream, cancellationToken).ConfigureAwait(false));
                }

                FileChangeKind change = kinds.TryGetValue(path, out string? kind) && Enum.TryParse(kind, out FileChangeKind k) ? k : FileChangeKind.Written;
                yield return new CheckpointFileChange(checkpoint.Path, path, change, TypeOf(entry.EntryType), entry.Length,
                    "0" + Convert.ToString((int)entry.Mode & 0xFFF, 8).PadLeft(3, '0'), sha,
                    string.IsNullOrEmpty(entry.LinkName) ? null : entry.LinkName, entry.ModificationTime.UtcDateTime);
            }
        }

        foreach (string deleted in checkpoint.Metadata.DeletedFiles)
        {
            string path = "/" + deleted.TrimStart('/');
            if (seen.Add(path))
            {
                yield return new CheckpointFileChange(checkpoint.Path, path, FileChangeKind.Deleted, string.Empty, 0, null, null, null, null);
            }
        }
    }

    private static string TypeOf(TarEntryType type) => type switch
    {
        TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile => "File",
        TarEntryType.Directory => "Directory",
        TarEntryType.SymbolicLink => "SymbolicLink",
        TarEntryType.HardLink => "HardLink",
        _ => string.Format(CultureInfo.InvariantCulture, "{0}", type),
    };
}
