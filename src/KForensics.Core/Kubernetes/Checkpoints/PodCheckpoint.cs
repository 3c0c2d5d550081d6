namespace KForensics.Core.Kubernetes;

/// <summary>
/// A container's checkpoint made by its kubelet and brought home verified. <see cref="Path"/> binds to
/// the -Path of Get-ContainerCheckpoint, the checkpoint inspection cmdlets and Import-ContainerCheckpoint.
/// </summary>
public sealed class PodCheckpoint
{
    internal PodCheckpoint(PodTarget target, TargetContainer container, string nodePath, string path, string manifestPath, long bytes,
        string sha256AtSource, string sha256, DateTime checkpointedUtc, DateTime acquiredUtc, bool removedFromNode, string helperPod, string context)
    {
        Namespace = target.Namespace;
        Pod = target.Name;
        PodUid = target.Uid;
        Container = container.Name;
        ContainerId = container.Id;
        Runtime = container.Runtime;
        Image = container.Image;
        Node = target.NodeName;
        NodePath = nodePath;
        Path = path;
        ManifestPath = manifestPath;
        Bytes = bytes;
        Sha256AtSource = sha256AtSource;
        Sha256 = sha256;
        CheckpointedUtc = checkpointedUtc;
        AcquiredUtc = acquiredUtc;
        RemovedFromNode = removedFromNode;
        HelperPod = helperPod;
        Context = context;
    }

    public string Namespace { get; }

    public string Pod { get; }

    public string PodUid { get; }

    public string Container { get; }

    public string ContainerId { get; }

    public ContainerRuntime Runtime { get; }

    public string Image { get; }

    public string Node { get; }

    /// <summary>Where the kubelet wrote the archive on the node.</summary>
    public string NodePath { get; }

    /// <summary>The local archive (a name every file system accepts).</summary>
    public string Path { get; }

    /// <summary>The custody manifest (JSON) beside it.</summary>
    public string ManifestPath { get; }

    public long Bytes { get; }

    /// <summary>SHA-256 computed on the node before the transfer.</summary>
    public string Sha256AtSource { get; }

    /// <summary>SHA-256 of the local file; equal to <see cref="Sha256AtSource"/> or the file would not exist.</summary>
    public string Sha256 { get; }

    /// <summary>When the kubelet was asked to checkpoint.</summary>
    public DateTime CheckpointedUtc { get; }

    public DateTime AcquiredUtc { get; }

    /// <summary>True when the node's archive was deleted after the verified copy (-RemoveFromNode).</summary>
    public bool RemovedFromNode { get; }

    /// <summary>The helper pod that read the archive (deleted).</summary>
    public string HelperPod { get; }

    public string Context { get; }

    public override string ToString() => Path;
}

/// <summary>What New-PodCheckpoint was asked to do.</summary>
public sealed class PodCheckpointOptions
{
    /// <summary>The kubelet's CRI timeout for the checkpoint, seconds.</summary>
    public int TimeoutSeconds { get; init; } = 300;

    public string HelperImage { get; init; } = CheckpointHelperPod.DefaultImage;

    public bool RemoveFromNode { get; init; }

    /// <summary>How long a helper pod may take to start.</summary>
    public int HelperStartSeconds { get; init; } = 120;
}

/// <summary>One archive in a node's kubelet checkpoints directory, as Get-PodCheckpoint lists it.</summary>
public sealed class NodeCheckpointFile
{
    internal NodeCheckpointFile(string node, string directory, string name, long size, DateTime modifiedUtc, string? pod, string? @namespace, string? container, DateTime? checkpointedUtc)
    {
        Node = node;
        Directory = directory;
        Name = name;
        NodePath = directory.TrimEnd('/') + "/" + name;
        Size = size;
        ModifiedUtc = modifiedUtc;
        Pod = pod;
        Namespace = @namespace;
        Container = container;
        CheckpointedUtc = checkpointedUtc;
    }

    public string Node { get; }

    public string Directory { get; }

    public string Name { get; }

    public string NodePath { get; }

    public long Size { get; }

    public DateTime ModifiedUtc { get; }

    /// <summary>From the kubelet's file name; null for files it did not name.</summary>
    public string? Pod { get; }

    public string? Namespace { get; }

    public string? Container { get; }

    public DateTime? CheckpointedUtc { get; }

    public override string ToString() => Node + ":" + NodePath;
}

/// <summary>Defaults the checkpoint cmdlets show in their help.</summary>
public static class PodCheckpointDefaults
{
    /// <summary>The helper pod's image: it needs sha256sum, tar, ls, stat and rm.</summary>
    public const string HelperImage = CheckpointHelperPod.DefaultImage;

    /// <summary>Where the kubelet keeps checkpoint archives (its --root-dir + /checkpoints).</summary>
    public const string NodeDirectory = CheckpointHelperPod.DefaultNodeDirectory;
}
