using Google.Protobuf;
using KForensics.Core.Criu;

namespace KForensics.Core.Checkpoints.Inspection;

/// <summary>One CRIU image file of a checkpoint, decoded: what crit decode shows, as objects.</summary>
public sealed class CheckpointImage
{
    internal CheckpointImage(string checkpoint, string name, string magicName, long size, IReadOnlyList<CheckpointImageEntry> entries)
    {
        Checkpoint = checkpoint;
        Name = name;
        MagicName = magicName;
        Size = size;
        Entries = entries;
    }

    public string Checkpoint { get; }

    /// <summary>The file name in the images directory (core-1.img, pstree.img, ...).</summary>
    public string Name { get; }

    /// <summary>crit's name for the image's magic (CORE, PSTREE, ...); RAW images hold no messages.</summary>
    public string MagicName { get; }

    public long Size { get; }

    public IReadOnlyList<CheckpointImageEntry> Entries { get; }

    public override string ToString() => Name;
}

/// <summary>One entry of an image: its protobuf message as JSON (CRIU's field names), and the raw payload after it where the image has one.</summary>
public sealed class CheckpointImageEntry
{
    private static readonly JsonFormatter Formatter = new(JsonFormatter.Settings.Default.WithPreserveProtoFieldNames(true));

    internal CheckpointImageEntry(CriuImageEntry entry, bool includePayload)
    {
        Index = entry.Index;
        Offset = entry.Offset;
        Type = entry.Message.Descriptor.Name;
        Json = Formatter.Format(entry.Message);
        PayloadLength = entry.Extra?.Length ?? 0;
        Payload = includePayload ? entry.Extra : null;
    }

    public int Index { get; }

    /// <summary>The byte offset of the entry's length word in the file.</summary>
    public long Offset { get; }

    /// <summary>The message type (CoreEntry, PstreeEntry, ...).</summary>
    public string Type { get; }

    /// <summary>The message as JSON with CRIU's field names; ConvertFrom-Json turns it into an object.</summary>
    public string Json { get; }

    /// <summary>Bytes of raw payload after the entry (pipe data, socket queues, TCP queues, ghost file content, ...).</summary>
    public int PayloadLength { get; }

    /// <summary>The payload itself, when asked for (-IncludePayload).</summary>
    public byte[]? Payload { get; }

    public override string ToString() => Type + " " + Json;
}
