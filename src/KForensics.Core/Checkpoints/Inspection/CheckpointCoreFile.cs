namespace KForensics.Core.Checkpoints.Inspection;

/// <summary>An ELF core file written from a checkpointed process's memory, hashed as evidence.</summary>
public sealed class CheckpointCoreFile
{
    internal CheckpointCoreFile(string path, long length, string sha256, string checkpoint, uint processId, string process, int mappings, DateTime createdUtc)
    {
        Path = path;
        Length = length;
        Sha256 = sha256;
        Checkpoint = checkpoint;
        ProcessId = processId;
        Process = process;
        Mappings = mappings;
        CreatedUtc = createdUtc;
    }

    public string Path { get; }

    public long Length { get; }

    /// <summary>The SHA-256 of the written file (lower-case hex).</summary>
    public string Sha256 { get; }

    public string Checkpoint { get; }

    public uint ProcessId { get; }

    public string Process { get; }

    /// <summary>The number of memory mappings (PT_LOAD segments) in the core file.</summary>
    public int Mappings { get; }

    public DateTime CreatedUtc { get; }

    public override string ToString() => Path;
}
