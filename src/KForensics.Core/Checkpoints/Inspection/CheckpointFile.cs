namespace KForensics.Core.Checkpoints.Inspection;

/// <summary>One open descriptor of a checkpointed process (or its working directory or root).</summary>
public sealed class CheckpointFile
{
    internal CheckpointFile(string checkpoint, uint processId, string process, string fd, string type, string path, uint fileId,
        uint? openFlags, string flags, bool closeOnExec, ulong? position, ulong? size, bool deleted)
    {
        Checkpoint = checkpoint;
        ProcessId = processId;
        Process = process;
        Fd = fd;
        Type = type;
        Path = path;
        FileId = fileId;
        OpenFlags = openFlags;
        Flags = flags;
        CloseOnExec = closeOnExec;
        Position = position;
        Size = size;
        Deleted = deleted;
    }

    public string Checkpoint { get; }

    public uint ProcessId { get; }

    /// <summary>The process's comm.</summary>
    public string Process { get; }

    /// <summary>The descriptor number, or "cwd" / "root".</summary>
    public string Fd { get; }

    /// <summary>CRIU's file type: REG, PIPE, FIFO, INETSK, UNIXSK, EVENTFD, EVENTPOLL, INOTIFY, SIGNALFD, PACKETSK, TTY, ...</summary>
    public string Type { get; }

    /// <summary>The path for files; checkpointctl's names for the rest (pipe[INODE], unix[INODE (PEER) NAME], TYPE.ID).</summary>
    public string Path { get; }

    /// <summary>CRIU's id of the open file description (shared by descriptors that share it).</summary>
    public uint FileId { get; }

    /// <summary>The open(2) flags, where CRIU records them.</summary>
    public uint? OpenFlags { get; }

    /// <summary>The open flags by name (O_RDONLY, O_WRONLY|O_APPEND, ...).</summary>
    public string Flags { get; }

    public bool CloseOnExec { get; }

    /// <summary>The file position of regular files.</summary>
    public ulong? Position { get; }

    /// <summary>The file's size when it was frozen.</summary>
    public ulong? Size { get; }

    /// <summary>The file had been deleted while still open (CRIU saved its content as a ghost file).</summary>
    public bool Deleted { get; }

    public override string ToString() => ProcessId + " [" + Fd + "] " + Path;
}
