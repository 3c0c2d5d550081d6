namespace KForensics.Core.Checkpoints.Inspection;

/// <summary>A mount of the checkpointed container: from its runtime spec, or from CRIU's mount-namespace image.</summary>
public sealed class CheckpointMount
{
    internal CheckpointMount(string checkpoint, string origin, string destination, string type, string source, IReadOnlyList<string> options,
        uint? mountId, uint? parentMountId, string? root, string? device)
    {
        Checkpoint = checkpoint;
        Origin = origin;
        Destination = destination;
        Type = type;
        Source = source;
        Options = options;
        MountId = mountId;
        ParentMountId = parentMountId;
        Root = root;
        Device = device;
    }

    public string Checkpoint { get; }

    /// <summary>"Spec" (the container's runtime specification, as checkpointctl shows it) or "Criu" (mountpoints image).</summary>
    public string Origin { get; }

    /// <summary>Where it is mounted inside the container.</summary>
    public string Destination { get; }

    /// <summary>The filesystem type (bind, proc, tmpfs, overlay, ...).</summary>
    public string Type { get; }

    public string Source { get; }

    public IReadOnlyList<string> Options { get; }

    public uint? MountId { get; }

    public uint? ParentMountId { get; }

    /// <summary>The mounted subtree of the source filesystem (CRIU rows).</summary>
    public string? Root { get; }

    /// <summary>major:minor of the mounted filesystem (CRIU rows).</summary>
    public string? Device { get; }

    public override string ToString() => Destination + " (" + Type + ")";
}
