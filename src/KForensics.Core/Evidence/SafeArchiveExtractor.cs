using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using KForensics.Core.Docker;

namespace KForensics.Core.Evidence;

/// <summary>
/// Unpacks a (gzip-compressed) tar into an empty directory, hashing every regular file on the way.
/// An entry that would land outside the directory is refused before anything of it is written:
/// absolute names, '..' segments, and symbolic or hard links whose target leaves the directory.
/// Devices and FIFOs are refused too; evidence archives never need them.
/// </summary>
public static class SafeArchiveExtractor
{
    public static async Task<IReadOnlyDictionary<string, EvidenceFile>> ExtractAsync(string archive, string target, CancellationToken cancellationToken)
    {
        string root = Path.GetFullPath(target);
        var files = new Dictionary<string, EvidenceFile>(StringComparer.Ordinal);
        await using FileStream file = File.OpenRead(archive);
        Stream input = await IsGzipAsync(file, cancellationToken).ConfigureAwait(false) ? new GZipStream(file, CompressionMode.Decompress) : file;
        await using (input.ConfigureAwait(false))
        {
            await using var reader = new TarReader(input, leaveOpen: true);
            TarEntry? entry;
            while ((entry = await ReadAsync(reader, archive, cancellationToken).ConfigureAwait(false)) is not null)
            {
                string name = CheckName(entry.Name, archive);
                string full = Inside(root, name, entry.Name, archive);
                switch (entry.EntryType)
                {
                    case TarEntryType.Directory:
                        Directory.CreateDirectory(full);
                        break;
                    case TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile:
                        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
                        files[name] = await WriteAsync(entry, full, name, cancellationToken).ConfigureAwait(false);
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
                        File.Copy(linked, full);
                        files[name] = await EvidenceFile.FromFileAsync(full, name, cancellationToken).ConfigureAwait(false);
                        break;
                    default:
                        throw Unsafe(archive, entry.Name, "is a " + entry.EntryType + " entry, which an evidence archive never holds");
                }
            }
        }

        return files;
    }

    /// <summary>Checks the names in a nested tar (the filesystem changes) without unpacking it.</summary>
    public static async Task CheckNamesAsync(string tarPath, CancellationToken cancellationToken)
    {
        await using FileStream file = File.OpenRead(tarPath);
        await using var reader = new TarReader(file);
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
        catch (Exception ex) when (ex is InvalidDataException or FormatException or EndOfStreamException)
        {
            throw new DockerEngineException(DockerErrorKind.ArchiveInvalid, "'" + archive + "' is not a readable tar archive: " + ex.Message, archive, ex);
        }
    }

    private static async Task<bool> IsGzipAsync(FileStream file, CancellationToken cancellationToken)
    {
        var magic = new byte[2];
        int read = await file.ReadAsync(magic, cancellationToken).ConfigureAwait(false);
        file.Position = 0;
        return read == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
    }

    private static async Task<EvidenceFile> WriteAsync(TarEntry entry, string full, string name, CancellationToken cancellationToken)
    {
        await using var output = new FileStream(full, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, useAsync: true);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long length = 0;
        if (entry.DataStream is not null)
        {
            var buffer = new byte[81920];
            int n;
            while ((n = await entry.DataStream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
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

    private static DockerEngineException Unsafe(string archive, string entry, string why)
        => new(DockerErrorKind.ArchiveUnsafePath, "Refused '" + archive + "': member '" + entry + "' " + why + ".", entry);
}
