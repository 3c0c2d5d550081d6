using KForensics.Core.Evidence;

namespace KForensics.Core.Checkpoints;

/// <summary>An exported checkpoint archive: the file, its own SHA-256 and the members its manifest lists.</summary>
public sealed class CheckpointArchive
{
    internal CheckpointArchive(string path, long length, string sha256, string containerId, string containerName, string checkpoint,
        DateTime createdUtc, string engine, IReadOnlyList<EvidenceFile> members)
    {
        Path = path;
        Length = length;
        Sha256 = sha256;
        ContainerId = containerId;
        ContainerName = containerName;
        Checkpoint = checkpoint;
        CreatedUtc = createdUtc;
        Engine = engine;
        Members = members;
    }

    public string Path { get; }

    public long Length { get; }

    public string Sha256 { get; }

    public string ContainerId { get; }

    public string ContainerName { get; }

    public string Checkpoint { get; }

    public DateTime CreatedUtc { get; }

    public string Engine { get; }

    public IReadOnlyList<EvidenceFile> Members { get; }

    public override string ToString() => Path;
}
