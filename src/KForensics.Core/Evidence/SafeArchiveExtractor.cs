using System.Formats.Tar;
using System.Security.Cryptography;

namespace KForensics.Core.Evidence;

/// <summary>One member of an archive: its checked relative name, whether it is a directory, and its length (regular files).</summary>
/// <param name="DataOffset">Where the member's data starts in the archive file: known for a plain tar read without hashing, else -1.</param>
public sealed record ArchiveMember(string Name, bool IsDirectory, long Length, long DataOffset = -1);

/// <summary>What an extraction unpacked, and what it learnt of the archive on the way.</summary>
public sealed class ExtractedArchive
{
    internal ExtractedArchive(IReadOnlyDictionary<string, EvidenceFile> files, IReadOnlyList<ArchiveMember> members, ArchiveCompression compression, string? sha256, long length)
    {
        Files = files;
        Members = members;
        Compression = compression;
        Sha256 = sha256;
        Length = length;
    }

    /// <summary>The regular files written, by relative '/'-separated name, each hashed.</summary>
    public IReadOnlyDictionary<string, EvidenceFile> Files { get; }

    /// <summary>Every member of the archive, extracted or not, in archive order.</summary>
    public IReadOnlyList<ArchiveMember> Members { get; }

    public ArchiveCompression Compression { get; }

    /// <summary>The SHA-256 of the archive file itself.</summary>
    /// <summary>The archive's SHA-256; null when it was read without hashing.</summary>
    public string? Sha256 { get; }

    public long Length { get; }
}

/// <summary>
/// Unpacks a tar (plain, gzip or zstd, told apart by content) into an empty directory, hashing every
/// regular file on the way and the archive itself in the same pass. An entry that would land outside
/// the directory is refused before anything of it is written: absolute names, '..' segments, and
/// symbolic or hard links whose target leaves the directory. Devices and FIFOs are refused too;
/// evidence archives never need them.
/// </summary>
public static class SafeArchiveExtractor
{
    public static async Task<IReadOnlyDictionary<string, EvidenceFile>> ExtractAsync(string archive, string target, CancellationToken cancellationToken)
        => (await ExtractAsync(archive, target, null, cancellationToken).ConfigureAwait(false)).Files;

    /// <summary>
    /// Unpacks the members <paramref name="include"/> accepts (all when null); every member's name is
    /// checked, extracted or not, so an archive with one hostile member is refused as a whole.
    /// </summary>
    public static Task<ExtractedArchive> ExtractAsync(string archive, string target, Func<string, bool>? include, CancellationToken cancellationToken)
        => ExtractAsync(archive, target, include, hash: true, cancellationToken);

    /// <summary>
    /// As above; without <paramref name="hash"/> a plain tar is read with seeks past the members not
    /// unpacked (their bytes are never read), and every member's data offset in the file is recorded.
    /// </summary>
    public static async Task<ExtractedArchive> ExtractAsync(string archive, string target, Func<string, bool>? include, bool hash, CancellationToken cancellationToken)
    {
        string root = Path.GetFullPath(target);
        Directory.CreateDirectory(root);
        var files = new Dictionary<string, EvidenceFile>(StringComparer.Ordinal);
        var members = new List<ArchiveMember>();
        FileStream file;
        try
        {
            file = new FileStream(archive, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ArchiveException(ArchiveErrorKind.Invalid, "Cannot open '" + archive + "': " + ex.Message, archive, ex);
        }

        long length = file.Length;
        ArchiveCompression compression = ArchiveStreams.Detect(file);
        bool seeking = !hash && compression == ArchiveCompression.None;
        await using var hashing = new HashingReadStream(file);
        Stream input = seeking ? file : ArchiveStreams.Decompress(hashing, compression);
        await using (input.ConfigureAwait(false))
        {
            await using var reader = new TarReader(input, leaveOpen: true);
            TarEntry? entry;
            while ((entry = await ReadAsync(reader, archive, cancellationToken).ConfigureAwait(false)) is not null)
            {
                string name = CheckName(entry.Name, archive);
                string full = Inside(root, name, entry.Name, archive);
                if (name.Length == 0)
                {
                    // The archive's own top directory ("./").
                    continue;
                }

                members.Add(new ArchiveMember(name, entry.EntryType == TarEntryType.Directory,
                    entry.EntryType is TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile ? entry.Length : 0,
                    seeking ? DataOffset(entry, file) : -1));
                if (include is not null && !include(name))
                {
                    if (entry.EntryType is TarEntryType.SymbolicLink or TarEntryType.HardLink or TarEntryType.Directory
                        or TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile)
                    {
                        continue;
                    }

                    throw Unsafe(archive, entry.Name, "is a " + entry.EntryType + " entry, which an evidence archive never holds");
                }

                await WriteEntryAsync(entry, root, name, full, archive, files, cancellationToken).ConfigureAwait(false);
            }

            try
            {
                string? sha = seeking ? null : await hashing.FinishAsync(cancellationToken).ConfigureAwait(false);
                return new ExtractedArchive(files, members, compression, sha, length);
            }
            catch (Exception ex) when (ex is InvalidDataException or IOException && ex is not OperationCanceledException)
            {
                throw new ArchiveException(ArchiveErrorKind.Invalid, "'" + archive + "' is damaged after its last member: " + ex.Message, archive, ex);
            }
        }
    }

    /// <summary>
    /// Where a member's data starts in a seekable archive: the data stream reads from the archive at its
    /// start, so one byte read through it leaves the file just past that start; it is then rewound.
    /// </summary>
    private static long DataOffset(TarEntry entry, FileStream file)
    {
        if (entry.DataStream is not { CanSeek: true } data || entry.Length == 0)
        {
            return -1;
        }

        data.Position = 0;
        if (data.ReadByte() < 0)
        {
            return -1;
        }

        long offset = file.Position - 1;
        data.Position = 0;
        return offset;
    }

    private static async Task WriteEntryAsync(TarEntry entry, string root, string name, string full, string archive, Dictionary<string, EvidenceFile> files,
        CancellationToken cancellationToken)
    {
        switch (entry.EntryType)
        {
            case TarEntryType.Directory:
                Directory.CreateDirectory(full);
                break;
            case TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile:
                Directory.CreateDirectory(Path.GetDirectoryName(full)!);
                files[name] = await WriteAsync(entry, full, name, archive, cancellationToken).ConfigureAwait(false);
                break;
            case TarEntryType.SymbolicLink:
                if (Path.IsPathRooted(entry.LinkName))
                {
                    throw Unsafe(archive, entry.Name, "is a link to the absolute path '" + entry.LinkName + "'");
                }

                Inside(root, Path.Combine(Path.GetDirectoryName(name) ?? string.Empty, entry.LinkName), entry.Name, archive);
                Directory.CreateDirectory(Path.GetDirectoryName(full)!);
                File.CreateSymbolicLink(full, entry.LinkName);
                break;
            case TarEntryType.HardLink:
                string linked = Inside(root, CheckName(entry.LinkName, archive), entry.Name, archive);
                Directory.CreateDirectory(Path.GetDirectoryName(full)!);
                if (!File.Exists(linked))
                {
                    throw new ArchiveException(ArchiveErrorKind.Invalid, "Member '" + entry.Name + "' of '" + archive + "' links to '" + entry.LinkName + "', which is not before it in the archive.", entry.Name);
                }

                File.Copy(linked, full);
                files[name] = await EvidenceFile.FromFileAsync(full, name, cancellationToken).ConfigureAwait(false);
                break;
            default:
                throw Unsafe(archive, entry.Name, "is a " + entry.EntryType + " entry, which an evidence archive never holds");
        }
    }

    /// <summary>Checks the names in a nested tar (the filesystem changes) without unpacking it.</summary>
    public static async Task CheckNamesAsync(string tarPath, CancellationToken cancellationToken)
    {
        await using FileStream file = File.OpenRead(tarPath);
        ArchiveCompression compression = ArchiveStreams.Detect(file);
        await using Stream input = ArchiveStreams.Decompress(file, compression);
        await using var reader = new TarReader(input);
        TarEntry? entry;
        while ((entry = await ReadAsync(reader, tarPath, cancellationToken).ConfigureAwait(false)) is not null)
        {
            CheckName(entry.Name, tarPath);
            if (entry.EntryType == TarEntryType.HardLink)
            {
                CheckName(entry.LinkName, tarPath);
            }
        }
    }

    private static async Task<TarEntry?> ReadAsync(TarReader reader, string archive, CancellationToken cancellationToken)
    {
        try
        {
            return await reader.GetNextEntryAsync(copyData: false, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is InvalidDataException or FormatException or EndOfStreamException or IOException or ZstdSharp.ZstdException)
        {
            throw new ArchiveException(ArchiveErrorKind.Invalid, "'" + archive + "' is not a readable tar archive: " + ex.Message, archive, ex);
        }
    }

    private static async Task<EvidenceFile> WriteAsync(TarEntry entry, string full, string name, string archive, CancellationToken cancellationToken)
    {
        await using var output = new FileStream(full, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, useAsync: true);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long length = 0;
        if (entry.DataStream is not null)
        {
            byte[] buffer = new byte[81920];
            int n;
            while (true)
            {
                try
                {
                    n = await entry.DataStream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is InvalidDataException or EndOfStreamException or IOException or ZstdSharp.ZstdException)
                {
                    throw new ArchiveException(ArchiveErrorKind.Invalid, "Member '" + name + "' of '" + archive + "' is damaged: " + ex.Message, name, ex);
                }

                if (n == 0)
                {
                    break;
                }

                hash.AppendData(buffer, 0, n);
                await output.WriteAsync(buffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
                length += n;
            }
        }

        return new EvidenceFile(name, length, Convert.ToHexString(hash.GetHashAndReset()).ToLowerInvariant());
    }

    /// <summary>A relative, '/'-separated name without '..' or empty segments.</summary>
    private static string CheckName(string raw, string archive)
    {
        string name = raw.Replace('\\', '/');
        if (name.StartsWith('/') || Path.IsPathRooted(raw) || (name.Length > 1 && name[1] == ':'))
        {
            throw Unsafe(archive, raw, "has an absolute path");
        }

        string[] segments = name.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (segments.Any(s => s == ".."))
        {
            throw Unsafe(archive, raw, "climbs out with '..'");
        }

        return string.Join('/', segments.Where(s => s != "."));
    }

    private static string Inside(string root, string relative, string entryName, string archive)
    {
        string full = Path.GetFullPath(Path.Combine(root, relative));
        if (!full.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal) && full != root)
        {
            throw Unsafe(archive, entryName, "would be written outside the extraction directory");
        }

        return full;
    }

    private static ArchiveException Unsafe(string archive, string entry, string why)
        => new(ArchiveErrorKind.UnsafePath, "Refused '" + archive + "': member '" + entry + "' " + why + ".", entry);
}
