using KForensics.Core.Evidence;

namespace KForensics.Core.Checkpoints;

/// <summary>A CRIU checkpoint of a container, with where it was taken and, when reachable, every file hashed.</summary>
public sealed class ContainerCheckpoint
{
    internal ContainerCheckpoint(string containerId, string containerName, string image, string imageId, string name, string? location,
        string? checkpointDirectory, DateTime? createdUtc, string engine, string engineVersion, bool? leftRunning, IReadOnlyList<EvidenceFile> files)
    {
        ContainerId = containerId;
        ContainerName = containerName;
        Image = image;
        ImageId = imageId;
        Name = name;
        Location = location;
        CheckpointDirectory = checkpointDirectory;
        CreatedUtc = createdUtc;
        Engine = engine;
        EngineVersion = engineVersion;
        LeftRunning = leftRunning;
        Files = files;
    }

    public string ContainerId { get; }

    public string ContainerName { get; }

    public string Image { get; }

    public string ImageId { get; }

    /// <summary>The checkpoint's name (Docker's CheckpointID).</summary>
    public string Name { get; }

    /// <summary>The checkpoint's directory on the engine's host.</summary>
    public string? Location { get; }

    /// <summary>The custom parent directory given at creation; null for the container's own directory.</summary>
    public string? CheckpointDirectory { get; }

    public DateTime? CreatedUtc { get; }

    public string Engine { get; }

    public string EngineVersion { get; }

    /// <summary>Whether the container kept running after the checkpoint; null when not known (listed later).</summary>
    public bool? LeftRunning { get; }

    /// <summary>The checkpoint's files with size and SHA-256; empty when the engine is remote.</summary>
    public IReadOnlyList<EvidenceFile> Files { get; }

    public long Size => Files.Sum(f => f.Length);

    public override string ToString() => ContainerName + "/" + Name;
}
