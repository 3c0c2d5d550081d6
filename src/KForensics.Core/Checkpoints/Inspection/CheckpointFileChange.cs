namespace KForensics.Core.Checkpoints.Inspection;

/// <summary>How a path in the container's filesystem differs from its image.</summary>
public enum FileChangeKind
{
    Added,
    Modified,
    Deleted,

    /// <summary>Added or modified: the layout carries the file but not which of the two it was (Podman, CRI-O and containerd archives).</summary>
    Written,
}

/// <summary>One change to the container's filesystem, as the checkpoint archive records it.</summary>
public sealed class CheckpointFileChange
{
    internal CheckpointFileChange(string checkpoint, string path, FileChangeKind change, string type, long size, string? mode, string? sha256,
        string? linkTarget, DateTime? modifiedUtc)
    {
        Checkpoint = checkpoint;
        Path = path;
        Change = change;
        Type = type;
        Size = size;
        Mode = mode;
        Sha256 = sha256;
        LinkTarget = linkTarget;
        ModifiedUtc = modifiedUtc;
    }

    /// <summary>The checkpoint the change was read from.</summary>
    public string Checkpoint { get; }

    /// <summary>The absolute path inside the container.</summary>
    public string Path { get; }

    public FileChangeKind Change { get; }

    /// <summary>File, Directory, SymbolicLink, HardLink or Other; empty for deletions.</summary>
    public string Type { get; }

    public long Size { get; }

    /// <summary>Permission bits in octal (e.g. 0644); null for deletions.</summary>
    public string? Mode { get; }

    /// <summary>The content's SHA-256 for regular files; null otherwise.</summary>
    public string? Sha256 { get; }

    public string? LinkTarget { get; }

    public DateTime? ModifiedUtc { get; }

    public override string ToString() => Change + " " + Path;
}
