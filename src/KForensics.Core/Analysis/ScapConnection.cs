namespace KForensics.Core.Analysis;

/// <summary>
/// One network connection of a capture, as sysdig's topconns chisel counts it (container, protocol and
/// fd.name), with the bytes each way, the processes that did the I/O and the time span.
/// </summary>
public sealed class ScapConnection
{
    internal ScapConnection(string source, string containerId, string containerName, string protocol, string connection,
        string? clientAddress, int? clientPort, string? serverAddress, int? serverPort, string? processName, long? processId,
        IReadOnlyList<string> processNames, long bytesToServer, long bytesToClient, long bytesRead, long bytesWritten,
        long events, DateTime firstTime, DateTime lastTime)
    {
        Source = source;
        ContainerId = containerId;
        ContainerName = containerName;
        Protocol = protocol;
        Connection = connection;
        ClientAddress = clientAddress;
        ClientPort = clientPort;
        ServerAddress = serverAddress;
        ServerPort = serverPort;
        ProcessName = processName;
        ProcessId = processId;
        ProcessNames = processNames;
        BytesToServer = bytesToServer;
        BytesToClient = bytesToClient;
        BytesRead = bytesRead;
        BytesWritten = bytesWritten;
        Events = events;
        FirstTime = firstTime;
        LastTime = lastTime;
    }

    /// <summary>The capture file.</summary>
    public string Source { get; }

    /// <summary>container.id of the processes that did the I/O ("host" outside containers).</summary>
    public string ContainerId { get; }

    /// <summary>container.name, the key sysdig's topconns uses with -pc.</summary>
    public string ContainerName { get; }

    /// <summary>fd.l4proto: tcp, udp, icmp or raw.</summary>
    public string Protocol { get; }

    /// <summary>fd.name: client address and port -&gt; server address and port.</summary>
    public string Connection { get; }

    /// <summary>fd.cip.</summary>
    public string? ClientAddress { get; }

    /// <summary>fd.cport.</summary>
    public int? ClientPort { get; }

    /// <summary>fd.sip.</summary>
    public string? ServerAddress { get; }

    /// <summary>fd.sport.</summary>
    public int? ServerPort { get; }

    /// <summary>The process of the first counted transfer.</summary>
    public string? ProcessName { get; }

    /// <summary>Its pid.</summary>
    public long? ProcessId { get; }

    /// <summary>Every process name that moved bytes on the connection, in order of appearance.</summary>
    public IReadOnlyList<string> ProcessNames { get; }

    /// <summary>Bytes from the client to the server: read on server sockets, written on client sockets.</summary>
    public long BytesToServer { get; }

    /// <summary>Bytes from the server to the client.</summary>
    public long BytesToClient { get; }

    /// <summary>Bytes the processes read (evt.is_io_read).</summary>
    public long BytesRead { get; }

    /// <summary>Bytes the processes wrote.</summary>
    public long BytesWritten { get; }

    /// <summary>Read plus written: the figure topconns shows.</summary>
    public long TotalBytes => BytesRead + BytesWritten;

    /// <summary>The I/O events counted (positive results).</summary>
    public long Events { get; }

    /// <summary>Time of the first counted transfer (UTC).</summary>
    public DateTime FirstTime { get; }

    /// <summary>Time of the last counted transfer (UTC).</summary>
    public DateTime LastTime { get; }

    public override string ToString() => $"{Protocol} {Connection} {TotalBytes} B";
}
