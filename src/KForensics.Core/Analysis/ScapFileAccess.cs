namespace KForensics.Core.Analysis;

/// <summary>
/// One file of a capture, as sysdig's topfiles_bytes chisel counts it (container and fd.name), with the
/// bytes read and written, the opens, the processes that touched it and the time span.
/// </summary>
public sealed class ScapFileAccess
{
    internal ScapFileAccess(string source, string containerId, string containerName, string name, string? processName,
        long? processId, IReadOnlyList<string> processNames, long bytesRead, long bytesWritten, long events, long opens,
        DateTime firstTime, DateTime lastTime)
    {
        Source = source;
        ContainerId = containerId;
        ContainerName = containerName;
        Name = name;
        ProcessName = processName;
        ProcessId = processId;
        ProcessNames = processNames;
        BytesRead = bytesRead;
        BytesWritten = bytesWritten;
        Events = events;
        Opens = opens;
        FirstTime = firstTime;
        LastTime = lastTime;
    }

    /// <summary>The capture file.</summary>
    public string Source { get; }

    /// <summary>container.id of the processes that did the I/O ("host" outside containers).</summary>
    public string ContainerId { get; }

    /// <summary>container.name, the key sysdig's topfiles_bytes uses with -pc.</summary>
    public string ContainerName { get; }

    /// <summary>fd.name: the file's path.</summary>
    public string Name { get; }

    /// <summary>The process of the first open, read or write.</summary>
    public string? ProcessName { get; }

    /// <summary>Its pid.</summary>
    public long? ProcessId { get; }

    /// <summary>Every process name that opened, read or wrote the file, in order of appearance.</summary>
    public IReadOnlyList<string> ProcessNames { get; }

    /// <summary>Bytes read.</summary>
    public long BytesRead { get; }

    /// <summary>Bytes written.</summary>
    public long BytesWritten { get; }

    /// <summary>Read plus written: the figure topfiles_bytes shows.</summary>
    public long TotalBytes => BytesRead + BytesWritten;

    /// <summary>The I/O events counted (positive results).</summary>
    public long Events { get; }

    /// <summary>Successful opens of the file (open, openat, openat2).</summary>
    public long Opens { get; }

    /// <summary>Time of the first open, read or write (UTC).</summary>
    public DateTime FirstTime { get; }

    /// <summary>Time of the last open, read or write (UTC).</summary>
    public DateTime LastTime { get; }

    public override string ToString() => $"{Name} {TotalBytes} B";
}
