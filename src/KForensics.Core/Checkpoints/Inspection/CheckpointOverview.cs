namespace KForensics.Core.Checkpoints.Inspection;

/// <summary>
/// What a checkpoint is, without running it: the container it froze, where it came from, its sizes and
/// CRIU's dump statistics (checkpointctl show / inspect --stats), and the SHA-256 of the archive.
/// </summary>
public sealed class CheckpointOverview
{
    internal CheckpointOverview(string path, CheckpointLayout layout, string engine, string? compression, string? sha256, long? length,
        CheckpointMetadata metadata, long checkpointSize, long memoryPagesSize, long rootFsDiffSize, CriuDumpStatistics? statistics,
        int processCount, string? rootCommand, uint imagesVersion)
    {
        Path = path;
        Layout = layout;
        Engine = engine;
        Compression = compression;
        Sha256 = sha256;
        Length = length;
        ContainerId = metadata.ContainerId;
        ContainerName = metadata.ContainerName;
        Image = metadata.Image;
        ImageRef = metadata.ImageRef;
        Runtime = metadata.Runtime;
        CreatedUtc = metadata.CreatedUtc;
        CheckpointedUtc = metadata.CheckpointedUtc;
        PodName = metadata.PodName;
        Namespace = metadata.Namespace;
        IpAddress = metadata.IpAddress;
        MacAddress = metadata.MacAddress;
        Annotations = metadata.Annotations;
        CheckpointSize = checkpointSize;
        MemoryPagesSize = memoryPagesSize;
        RootFsDiffSize = rootFsDiffSize;
        Statistics = statistics;
        ProcessCount = processCount;
        RootCommand = rootCommand;
        ImagesVersion = imagesVersion;
    }

    /// <summary>The archive or directory.</summary>
    public string Path { get; }

    public CheckpointLayout Layout { get; }

    /// <summary>What made it: Docker, Podman, CRI-O, containerd, or CRIU for a bare images directory.</summary>
    public string Engine { get; }

    /// <summary>Zstd, Gzip or None for archives; null for directories.</summary>
    public string? Compression { get; }

    /// <summary>The archive's SHA-256; null for directories.</summary>
    public string? Sha256 { get; }

    public long? Length { get; }

    public string? ContainerId { get; }

    public string? ContainerName { get; }

    public string? Image { get; }

    public string? ImageRef { get; }

    public string? Runtime { get; }

    public DateTime? CreatedUtc { get; }

    public DateTime? CheckpointedUtc { get; }

    public string? PodName { get; }

    public string? Namespace { get; }

    public string? IpAddress { get; }

    public string? MacAddress { get; }

    public IReadOnlyDictionary<string, string> Annotations { get; }

    /// <summary>Bytes of every file under checkpoint/ (checkpointctl's CHKPT SIZE).</summary>
    public long CheckpointSize { get; }

    /// <summary>Bytes of the memory pages files.</summary>
    public long MemoryPagesSize { get; }

    /// <summary>Bytes of rootfs-diff.tar.</summary>
    public long RootFsDiffSize { get; }

    /// <summary>CRIU's dump statistics (stats-dump), when present.</summary>
    public CriuDumpStatistics? Statistics { get; }

    public int ProcessCount { get; }

    /// <summary>The root task's comm.</summary>
    public string? RootCommand { get; }

    /// <summary>CRIU's images format version (inventory img_version; 2 is images v1.1).</summary>
    public uint ImagesVersion { get; }

    public override string ToString() => (ContainerName ?? System.IO.Path.GetFileName(Path)) + " (" + Engine + ")";
}

/// <summary>CRIU's figures for one dump (stats-dump); times as CRIU measured them in microseconds.</summary>
public sealed class CriuDumpStatistics
{
    internal CriuDumpStatistics(uint freezingTime, uint frozenTime, uint memoryDumpTime, uint memoryWriteTime, ulong pagesScanned, ulong pagesSkippedParent,
        ulong pagesWritten, ulong pagesLazy)
    {
        FreezingTimeMicroseconds = freezingTime;
        FrozenTimeMicroseconds = frozenTime;
        MemoryDumpTimeMicroseconds = memoryDumpTime;
        MemoryWriteTimeMicroseconds = memoryWriteTime;
        PagesScanned = pagesScanned;
        PagesSkippedParent = pagesSkippedParent;
        PagesWritten = pagesWritten;
        PagesLazy = pagesLazy;
    }

    public uint FreezingTimeMicroseconds { get; }

    public uint FrozenTimeMicroseconds { get; }

    public uint MemoryDumpTimeMicroseconds { get; }

    public uint MemoryWriteTimeMicroseconds { get; }

    public TimeSpan FrozenTime => TimeSpan.FromTicks(FrozenTimeMicroseconds * 10L);

    public ulong PagesScanned { get; }

    public ulong PagesSkippedParent { get; }

    public ulong PagesWritten { get; }

    public ulong PagesLazy { get; }

    public override string ToString() => PagesWritten + " pages written, frozen " + FrozenTime;
}
