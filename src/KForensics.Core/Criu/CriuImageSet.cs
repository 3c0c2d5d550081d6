using System.Collections.Concurrent;
using System.Globalization;
using Google.Protobuf;
using KForensics.Core.Criu.Images;

namespace KForensics.Core.Criu;

/// <summary>An image file kept inside an uncompressed archive: its bytes are [Offset, Offset + Length) of <paramref name="File"/>.</summary>
internal sealed record PackedImage(string File, long Offset, long Length);

/// <summary>
/// The images of one CRIU dump, read on demand and cached: the inventory, the process tree, each
/// task's core, ids, mm, fs and descriptors, the file objects, mounts, remaps and dump statistics.
/// Only images version 1.1 (inventory img_version 2, the only one CRIU has written since 2013) is read.
/// </summary>
internal sealed class CriuImageSet
{
    /// <summary>CRTOOLS_IMAGES_V1_1, the inventory's img_version of every current image set.</summary>
    public const uint ImagesVersion = 2;

    private readonly ConcurrentDictionary<string, object?> _cache = new(StringComparer.Ordinal);
    private readonly Lazy<IReadOnlyDictionary<uint, FileEntry>> _files;
    private readonly Lazy<IReadOnlyList<PstreeEntry>> _processes;

    private CriuImageSet(string directory, InventoryEntry inventory, Func<string, PackedImage?>? packed)
    {
        Packed = packed;
        Directory = directory;
        Inventory = inventory;
        _files = new Lazy<IReadOnlyDictionary<uint, FileEntry>>(LoadFiles);
        _processes = new Lazy<IReadOnlyList<PstreeEntry>>(() => ReadAll("pstree.img", PstreeEntry.Parser, required: true));
    }

    /// <summary>The images directory (full path).</summary>
    public string Directory { get; }

    public InventoryEntry Inventory { get; }

    /// <summary>The dump's parent image set (pre-dump or incremental), through the 'parent' link; null when there is none.</summary>
    public CriuImageSet? Parent => Cached("parent", () =>
    {
        string parent = System.IO.Path.Combine(Directory, "parent");
        return System.IO.Directory.Exists(parent) && System.IO.File.Exists(System.IO.Path.Combine(parent, "inventory.img")) ? Open(parent) : null;
    });

    /// <summary>Images the caller left packed (an archive's pages), by file name.</summary>
    internal Func<string, PackedImage?>? Packed { get; }

    public static CriuImageSet Open(string directory) => Open(directory, null);

    public static CriuImageSet Open(string directory, Func<string, PackedImage?>? packed)
    {
        string full = System.IO.Path.GetFullPath(directory);
        string path = System.IO.Path.Combine(full, "inventory.img");
        if (!System.IO.File.Exists(path))
        {
            throw new CriuImageException(CriuImageErrorKind.Missing,
                "'" + full + "' holds no CRIU images: inventory.img is missing.", path);
        }

        InventoryEntry inventory;
        using (CriuImageFile file = CriuImageFile.Open(path))
        {
            inventory = file.Next(InventoryEntry.Parser)
                ?? throw new CriuImageException(CriuImageErrorKind.Truncated, "inventory.img holds no entry.", path, file.Position);
        }

        if (inventory.ImgVersion != ImagesVersion)
        {
            throw new CriuImageException(CriuImageErrorKind.UnsupportedVersion,
                "The images are of version " + inventory.ImgVersion.ToString(CultureInfo.InvariantCulture) + "; only version "
                + ImagesVersion.ToString(CultureInfo.InvariantCulture) + " (CRIU images v1.1, written by every CRIU since 1.0) is read.", path);
        }

        return new CriuImageSet(full, inventory, packed);
    }

    /// <summary>The process tree, in CRIU's order (parents before children).</summary>
    public IReadOnlyList<PstreeEntry> Processes => _processes.Value;

    /// <summary>The core of a thread (for a leader, its task core too).</summary>
    public CoreEntry Core(uint tid) => ReadSingle("core-" + Id(tid) + ".img", CoreEntry.Parser, required: true)!;

    public TaskKobjIdsEntry? Ids(uint pid) => ReadSingle("ids-" + Id(pid) + ".img", TaskKobjIdsEntry.Parser, required: false);

    /// <summary>The address space of a task, with its mappings; null for zombies and dead tasks, which have none.</summary>
    public MmEntry? Mm(uint pid) => Cached("mm-" + Id(pid), () =>
    {
        MmEntry? mm = ReadSingle("mm-" + Id(pid) + ".img", MmEntry.Parser, required: false, cache: false);
        if (mm is not null && mm.Vmas.Count == 0 && System.IO.File.Exists(System.IO.Path.Combine(Directory, "vmas-" + Id(pid) + ".img")))
        {
            // Images written before mappings moved into mm-N.img keep them in vmas-N.img.
            mm = mm.Clone();
            mm!.Vmas.AddRange(ReadAll("vmas-" + Id(pid) + ".img", VmaEntry.Parser, required: true, cache: false));
        }

        return mm;
    });

    public FsEntry? Fs(uint pid) => ReadSingle("fs-" + Id(pid) + ".img", FsEntry.Parser, required: false);

    /// <summary>A thread's credentials: from its core, or from creds-N.img in images that predate that.</summary>
    public CredsEntry? Creds(uint tid)
        => ReadSingle("core-" + Id(tid) + ".img", CoreEntry.Parser, required: false)?.ThreadCore?.Creds
           ?? ReadSingle("creds-" + Id(tid) + ".img", CredsEntry.Parser, required: false);

    /// <summary>The descriptors of a file table (ids.files_id), in the order CRIU dumped them.</summary>
    public IReadOnlyList<FdinfoEntry> FdInfo(uint filesId) => ReadAll("fdinfo-" + Id(filesId) + ".img", FdinfoEntry.Parser, required: false);

    /// <summary>A file object by id, from files.img or, in older images, the per-kind images.</summary>
    public FileEntry? File(uint id) => _files.Value.TryGetValue(id, out FileEntry? f) ? f : null;

    /// <summary>Every file object.</summary>
    public IEnumerable<FileEntry> Files => _files.Value.Values;

    /// <summary>The mounts of a mount namespace (by its kobj id).</summary>
    public IReadOnlyList<MntEntry> Mounts(uint mountNamespaceId) => ReadAll("mountpoints-" + Id(mountNamespaceId) + ".img", MntEntry.Parser, required: false);

    /// <summary>How files without a usable path (deleted, or reachable only through /proc) were saved.</summary>
    public IReadOnlyList<RemapFilePathEntry> Remaps => ReadAll("remap-fpath.img", RemapFilePathEntry.Parser, required: false);

    /// <summary>CRIU's dump statistics (stats-dump), from the images directory or the directory above it, where Podman and CRI-O keep it.</summary>
    public StatsEntry? DumpStats => Cached("stats-dump", () =>
    {
        foreach (string? dir in new[] { Directory, System.IO.Path.GetDirectoryName(Directory) })
        {
            string path = dir is null ? string.Empty : System.IO.Path.Combine(dir, "stats-dump");
            if (dir is not null && System.IO.File.Exists(path))
            {
                using CriuImageFile file = CriuImageFile.Open(path);
                return file.Next(StatsEntry.Parser);
            }
        }

        return null;
    });

    /// <summary>The saved memory of a task: its mappings and a paged view of its dumped pages.</summary>
    public ProcessMemory OpenMemory(uint pid) => ProcessMemory.Open(this, pid);

    /// <summary>Full path of an image in this set.</summary>
    public string PathOf(string fileName) => System.IO.Path.Combine(Directory, fileName);

    private static string Id(uint id) => id.ToString(CultureInfo.InvariantCulture);

    private T? Cached<T>(string key, Func<T?> load)
        where T : class
        => (T?)_cache.GetOrAdd(key, _ => load());

    internal T? ReadSingle<T>(string fileName, MessageParser<T> parser, bool required, bool cache = true)
        where T : class, IMessage<T>
    {
        T? Load()
        {
            string path = PathOf(fileName);
            if (!System.IO.File.Exists(path))
            {
                return required ? throw new CriuImageException(CriuImageErrorKind.Missing, "The checkpoint has no " + fileName + ".", path) : null;
            }

            using CriuImageFile file = CriuImageFile.Open(path);
            return file.Next(parser) ?? throw new CriuImageException(CriuImageErrorKind.Truncated, fileName + " holds no entry.", path, file.Position);
        }

        return cache ? Cached(fileName, Load) : Load();
    }

    internal IReadOnlyList<T> ReadAll<T>(string fileName, MessageParser<T> parser, bool required, bool cache = true)
        where T : class, IMessage<T>
    {
        IReadOnlyList<T> Load()
        {
            string path = PathOf(fileName);
            if (!System.IO.File.Exists(path))
            {
                return required ? throw new CriuImageException(CriuImageErrorKind.Missing, "The checkpoint has no " + fileName + ".", path) : [];
            }

            using CriuImageFile file = CriuImageFile.Open(path);
            return file.ReadAll(parser);
        }

        return cache ? Cached(fileName, Load)! : Load();
    }

    private Dictionary<uint, FileEntry> LoadFiles()
    {
        var files = new Dictionary<uint, FileEntry>();
        foreach (FileEntry f in ReadAll("files.img", FileEntry.Parser, required: false, cache: false))
        {
            files[f.Id] = f;
        }

        // Images from before files.img keep each kind in its own image; crit and go-criu fall back the same way.
        void Legacy<T>(string name, MessageParser<T> parser, FdTypes type, Func<T, uint> id, Action<FileEntry, T> set)
            where T : class, IMessage<T>
        {
            foreach (T entry in ReadAll(name, parser, required: false, cache: false))
            {
                uint key = id(entry);
                if (!files.ContainsKey(key))
                {
                    var f = new FileEntry { Type = type, Id = key };
                    set(f, entry);
                    files[key] = f;
                }
            }
        }

        Legacy("reg-files.img", RegFileEntry.Parser, FdTypes.Reg, e => e.Id, (f, e) => f.Reg = e);
        Legacy("inetsk.img", InetSkEntry.Parser, FdTypes.Inetsk, e => e.Id, (f, e) => f.Isk = e);
        Legacy("unixsk.img", UnixSkEntry.Parser, FdTypes.Unixsk, e => e.Id, (f, e) => f.Usk = e);
        Legacy("packetsk.img", PacketSockEntry.Parser, FdTypes.Packetsk, e => e.Id, (f, e) => f.Psk = e);
        Legacy("netlinksk.img", NetlinkSkEntry.Parser, FdTypes.Netlinksk, e => e.Id, (f, e) => f.Nlsk = e);
        Legacy("pipes.img", PipeEntry.Parser, FdTypes.Pipe, e => e.Id, (f, e) => f.Pipe = e);
        Legacy("fifo.img", FifoEntry.Parser, FdTypes.Fifo, e => e.Id, (f, e) => f.Fifo = e);
        Legacy("eventfd.img", EventfdFileEntry.Parser, FdTypes.Eventfd, e => e.Id, (f, e) => f.Efd = e);
        Legacy("eventpoll.img", EventpollFileEntry.Parser, FdTypes.Eventpoll, e => e.Id, (f, e) => f.Epfd = e);
        Legacy("signalfd.img", SignalfdEntry.Parser, FdTypes.Signalfd, e => e.Id, (f, e) => f.Sgfd = e);
        Legacy("timerfd.img", TimerfdEntry.Parser, FdTypes.Timerfd, e => e.Id, (f, e) => f.Tfd = e);
        Legacy("tty.img", TtyFileEntry.Parser, FdTypes.Tty, e => e.Id, (f, e) => f.Tty = e);
        Legacy("ns-files.img", NsFileEntry.Parser, FdTypes.Ns, e => e.Id, (f, e) => f.Nsf = e);
        Legacy("tunfile.img", TunfileEntry.Parser, FdTypes.Tunf, e => e.Id, (f, e) => f.Tunf = e);
        Legacy("ext-files.img", ExtFileEntry.Parser, FdTypes.Ext, e => e.Id, (f, e) => f.Ext = e);
        return files;
    }
}
