using System.Globalization;
using KForensics.Core.Criu;
using KForensics.Core.Criu.Images;

namespace KForensics.Core.Checkpoints.Inspection;

/// <summary>
/// The engine's entry to checkpoint inspection: open any layout, then read the overview, processes,
/// files, sockets, mounts and filesystem changes as the module's own objects. Opening an archive
/// unpacks what the question needs into a private temporary directory, removed on dispose.
/// </summary>
public sealed class CheckpointInspector : IDisposable
{
    private readonly OpenedCheckpoint _checkpoint;

    private CheckpointInspector(OpenedCheckpoint checkpoint) => _checkpoint = checkpoint;

    /// <summary>The checkpoint's full path as given.</summary>
    public string Path => _checkpoint.Path;

    /// <summary>Opens a checkpoint; <paramref name="withMemory"/> unpacks memory pages from archives, <paramref name="withFileChanges"/> the filesystem changes.</summary>
    public static Task<CheckpointInspector> OpenAsync(string path, bool withMemory, bool withFileChanges, CancellationToken cancellationToken)
        => OpenAsync(path, withMemory, withFileChanges, withHash: false, cancellationToken);

    /// <summary>As above; <paramref name="withHash"/> reads an archive whole for its SHA-256 (the overview reports it).</summary>
    public static async Task<CheckpointInspector> OpenAsync(string path, bool withMemory, bool withFileChanges, bool withHash, CancellationToken cancellationToken)
    {
        CheckpointParts parts = CheckpointParts.Images | (withMemory ? CheckpointParts.Pages : 0) | (withFileChanges ? CheckpointParts.RootfsDiff : 0)
                                | (withHash ? CheckpointParts.Hash : 0);
        return new CheckpointInspector(await OpenedCheckpoint.OpenAsync(path, parts, cancellationToken).ConfigureAwait(false));
    }

    internal OpenedCheckpoint Opened => _checkpoint;

    /// <summary>Whether the layout carries filesystem changes at all (a CRIU images directory never does).</summary>
    public bool HasFileChanges => _checkpoint.RootfsDiff is not null || _checkpoint.Metadata.DeletedFiles.Count > 0;

    public CheckpointOverview Overview()
    {
        OpenedCheckpoint c = _checkpoint;
        long total = 0, pages = 0, diff = 0;
        foreach (var member in c.Members)
        {
            if (member.Name.StartsWith(OpenedCheckpoint.ImagesFolder + "/", StringComparison.Ordinal) && !member.IsDirectory)
            {
                total += member.Length;
                if (System.IO.Path.GetFileName(member.Name).StartsWith("pages-", StringComparison.Ordinal))
                {
                    pages += member.Length;
                }
            }
            else if (member.Name == PodmanLayout.RootfsDiff)
            {
                diff = member.Length;
            }
        }

        CriuImageSet images = c.Images;
        DumpStatsEntry? dump = images.DumpStats?.Dump;
        CriuDumpStatistics? statistics = dump is null ? null : new CriuDumpStatistics(dump.FreezingTime, dump.FrozenTime, dump.MemdumpTime, dump.MemwriteTime,
            dump.PagesScanned, dump.PagesSkippedParent, dump.PagesWritten, dump.PagesLazy);
        PstreeEntry? root = images.Processes.FirstOrDefault(p => !images.Processes.Any(q => q.Pid == p.Ppid));
        return new CheckpointOverview(c.Path, c.Layout, c.Metadata.Engine, c.Archive?.Compression.ToString(), c.Archive?.Sha256, c.Archive?.Length,
            c.Metadata, total, pages, diff, statistics, images.Processes.Count, root is null ? null : images.Core(root.Pid).Tc?.Comm, images.Inventory.ImgVersion);
    }

    /// <summary>Every process depth-first from the root, or the subtree of <paramref name="rootPid"/>.</summary>
    public IEnumerable<CheckpointProcess> Processes(uint? rootPid, bool withMemory, CancellationToken cancellationToken)
        => ProcessTree.Read(_checkpoint, rootPid, withMemory, cancellationToken);

    public IEnumerable<CheckpointFile> Files(uint? pid, CancellationToken cancellationToken) => OpenFiles.Files(_checkpoint, pid, cancellationToken);

    public IEnumerable<CheckpointSocket> Sockets(uint? pid, CancellationToken cancellationToken) => OpenFiles.Sockets(_checkpoint, pid, cancellationToken);

    public IAsyncEnumerable<CheckpointFileChange> FileChanges(CancellationToken cancellationToken) => FileChangeReader.ReadAsync(_checkpoint, cancellationToken);

    /// <summary>The live processes a memory question covers: one pid, or all of them in pstree order.</summary>
    public IReadOnlyList<(uint ProcessId, string Command)> MemoryProcesses(uint? pid)
        => OpenFiles.LiveTasks(_checkpoint.Images, pid).Select(t => (t.Task.Pid, t.Comm)).ToList();

    /// <summary>Bytes of saved pages of a process, for progress.</summary>
    public long SavedMemory(uint pid)
    {
        using ProcessMemory memory = _checkpoint.Images.OpenMemory(pid);
        return memory.Runs.Sum(r => (long)r.Length);
    }

    /// <summary>Every match of <paramref name="pattern"/> in one process's memory, in address order; progress reports bytes scanned.</summary>
    public IEnumerable<CheckpointMemoryMatch> SearchMemory(uint pid, string command, MemoryPattern pattern, int context, IProgress<long>? progress,
        CancellationToken cancellationToken)
        => MemorySearch.Search(_checkpoint, pid, command, pattern, context, progress, cancellationToken);

    /// <summary>
    /// Writes one process's memory as an ELF core file that gdb opens, through a staging file beside
    /// <paramref name="target"/> that replaces it only when complete, and hashes the result.
    /// </summary>
    public async Task<CheckpointCoreFile> ExportMemoryAsync(uint pid, string target, bool force, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        if (File.Exists(target) && !force)
        {
            throw new CheckpointInspectionException(CheckpointInspectionErrorKind.TargetExists, "'" + target + "' already exists.", target);
        }

        string staging = target + "." + Guid.NewGuid().ToString("N")[..8] + ".partial";
        try
        {
            int mappings;
            await using (var output = new FileStream(staging, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16, useAsync: true))
            {
                mappings = await CoreDumpWriter.WriteAsync(_checkpoint, pid, output, progress, cancellationToken).ConfigureAwait(false);
            }

            File.Move(staging, target, overwrite: force);
            Evidence.EvidenceFile hashed = await Evidence.EvidenceFile.FromFileAsync(target, System.IO.Path.GetFileName(target), cancellationToken).ConfigureAwait(false);
            string comm = _checkpoint.Images.Core(pid).Tc?.Comm ?? string.Empty;
            return new CheckpointCoreFile(target, hashed.Length, hashed.Sha256, Path, pid, comm, mappings, DateTime.UtcNow);
        }
        finally
        {
            File.Delete(staging);
        }
    }

    /// <summary>What differs from <paramref name="reference"/> to <paramref name="difference"/>.</summary>
    public static IAsyncEnumerable<CheckpointDifference> Compare(CheckpointInspector reference, CheckpointInspector difference, CancellationToken cancellationToken)
        => CheckpointComparer.CompareAsync(reference, difference, cancellationToken);

    /// <summary>The container spec's mounts (what checkpointctl shows), then CRIU's mount namespace of the root task.</summary>
    public IEnumerable<CheckpointMount> Mounts()
    {
        foreach (CheckpointMetadata.SpecMount m in _checkpoint.Metadata.Mounts)
        {
            yield return new CheckpointMount(_checkpoint.Path, "Spec", m.Destination, m.Type, m.Source, m.Options, null, null, null, null);
        }

        CriuImageSet images = _checkpoint.Images;
        uint ns = images.Inventory.RootIds?.MntNsId ?? 0;
        if (ns == 0)
        {
            PstreeEntry? first = images.Processes.Count > 0 ? images.Processes[0] : null;
            ns = first is null ? 0 : images.Ids(first.Pid)?.MntNsId ?? 0;
        }

        if (ns == 0)
        {
            yield break;
        }

        foreach (MntEntry m in images.Mounts(ns))
        {
            yield return new CheckpointMount(_checkpoint.Path, "Criu", m.Mountpoint, FilesystemName(m), m.Source,
                m.Options.Split(',', StringSplitOptions.RemoveEmptyEntries), m.MntId, m.ParentMntId, m.Root,
                string.Format(CultureInfo.InvariantCulture, "{0}:{1}", m.RootDev >> 20, m.RootDev & 0xFFFFF));
        }
    }

    /// <summary>CRIU's fstype numbers (mnt.proto); an unsupported type keeps the kernel's name in fsname.</summary>
    private static string FilesystemName(MntEntry m)
    {
        if (!string.IsNullOrEmpty(m.Fsname))
        {
            return m.Fsname;
        }

        return (int)m.Fstype switch
        {
            1 => "proc",
            2 => "sysfs",
            3 => "devtmpfs",
            4 => "binfmt_misc",
            5 => "tmpfs",
            6 => "devpts",
            7 => "simfs",
            8 => "pstore",
            9 => "securityfs",
            10 => "fusectl",
            11 => "debugfs",
            12 => "cgroup",
            13 => "aufs",
            14 => "mqueue",
            15 => "fuse",
            16 => "auto",
            17 => "overlay",
            18 => "autofs",
            19 => "tracefs",
            23 => "cgroup2",
            _ => "unsupported",
        };
    }

    /// <summary>The checkpoint's CRIU images whose names match, decoded entry by entry (crit decode); raw images are listed with no entries.</summary>
    public IEnumerable<CheckpointImage> Images(Func<string, bool> wanted, bool includePayload, CancellationToken cancellationToken)
    {
        // The members, not the directory: an archive's pages stay packed, yet are listed.
        const string prefix = OpenedCheckpoint.ImagesFolder + "/";
        foreach (var member in _checkpoint.Members.Where(m => !m.IsDirectory && m.Name.StartsWith(prefix, StringComparison.Ordinal) && m.Name.IndexOf('/', prefix.Length) < 0)
                     .OrderBy(m => m.Name, StringComparer.Ordinal))
        {
            cancellationToken.ThrowIfCancellationRequested();
            string name = member.Name[prefix.Length..];
            if (Criu.CriuMagic.FromFileName(name) is not Criu.CriuImageType type || !wanted(name))
            {
                continue;
            }

            string file = System.IO.Path.Combine(_checkpoint.ImagesDirectory, name);
            IReadOnlyList<CheckpointImageEntry> entries = type.IsRaw || !Criu.CriuImageCatalog.CanDecode(type.MagicName)
                ? []
                : Criu.CriuImageCatalog.Decode(file).Select(e => new CheckpointImageEntry(e, includePayload)).ToList();
            yield return new CheckpointImage(Path, name, type.IsRaw ? "RAW" : type.MagicName, member.Length, entries);
        }
    }

    public void Dispose() => _checkpoint.Dispose();
}
