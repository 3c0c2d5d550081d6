namespace KForensics.Core.Checkpoints.Inspection;

/// <summary>One socket a checkpointed process held: inet (TCP, UDP, ...), unix, packet or netlink.</summary>
public sealed class CheckpointSocket
{
    internal CheckpointSocket(string checkpoint, uint processId, string process, string fd, string family, string type, string protocol, string state,
        string? localAddress, uint? localPort, string? remoteAddress, uint? remotePort, long sendBuffer, long receiveBuffer, string? name, uint inode, uint? peer)
    {
        Checkpoint = checkpoint;
        ProcessId = processId;
        Process = process;
        Fd = fd;
        Family = family;
        Type = type;
        Protocol = protocol;
        State = state;
        LocalAddress = localAddress;
        LocalPort = localPort;
        RemoteAddress = remoteAddress;
        RemotePort = remotePort;
        SendBuffer = sendBuffer;
        ReceiveBuffer = receiveBuffer;
        Name = name;
        Inode = inode;
        Peer = peer;
    }

    public string Checkpoint { get; }

    public uint ProcessId { get; }

    public string Process { get; }

    public string Fd { get; }

    /// <summary>IPv4, IPv6, Unix, Packet or Netlink.</summary>
    public string Family { get; }

    /// <summary>STREAM, DGRAM, RAW, SEQPACKET.</summary>
    public string Type { get; }

    /// <summary>TCP, UDP, UDPLITE, ICMP, ... for inet sockets; the protocol number otherwise.</summary>
    public string Protocol { get; }

    /// <summary>The kernel's TCP state name (LISTEN, ESTABLISHED, CLOSE, ...), also used for UDP and unix sockets.</summary>
    public string State { get; }

    public string? LocalAddress { get; }

    public uint? LocalPort { get; }

    public string? RemoteAddress { get; }

    public uint? RemotePort { get; }

    /// <summary>SO_SNDBUF in bytes.</summary>
    public long SendBuffer { get; }

    /// <summary>SO_RCVBUF in bytes.</summary>
    public long ReceiveBuffer { get; }

    /// <summary>A unix socket's path; abstract names start with '@'.</summary>
    public string? Name { get; }

    public uint Inode { get; }

    /// <summary>A unix socket's peer inode.</summary>
    public uint? Peer { get; }

    public override string ToString() => Family == "Unix"
        ? "unix " + Type + " " + (string.IsNullOrEmpty(Name) ? "@" : Name)
        : Protocol + " " + LocalAddress + ":" + LocalPort + " -> " + RemoteAddress + ":" + RemotePort + " " + State;
}
