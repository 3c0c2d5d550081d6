namespace KForensics.Core.Report;

/// <summary>What one container (or the host) did in a capture: its events and the activity the timeline marks.</summary>
public sealed class ContainerActivity
{
    internal ContainerActivity(string source, string containerId, string containerName, string? containerImage, long events,
        long commands, long fileOpens, long connections, DateTime firstTime, DateTime lastTime)
    {
        Source = source;
        ContainerId = containerId;
        ContainerName = containerName;
        ContainerImage = containerImage;
        Events = events;
        Commands = commands;
        FileOpens = fileOpens;
        Connections = connections;
        FirstTime = firstTime;
        LastTime = lastTime;
    }

    /// <summary>The capture file.</summary>
    public string Source { get; }

    /// <summary>container.id ("host" outside containers, empty for events without a thread).</summary>
    public string ContainerId { get; }

    /// <summary>container.name.</summary>
    public string ContainerName { get; }

    /// <summary>container.image, when the capture describes the container.</summary>
    public string? ContainerImage { get; }

    /// <summary>Events of the container's processes.</summary>
    public long Events { get; }

    /// <summary>Successful execve/execveat.</summary>
    public long Commands { get; }

    /// <summary>Successful opens of files.</summary>
    public long FileOpens { get; }

    /// <summary>connect/accept on IPv4 and IPv6 sockets.</summary>
    public long Connections { get; }

    /// <summary>Time of the first event (UTC).</summary>
    public DateTime FirstTime { get; }

    /// <summary>Time of the last event (UTC).</summary>
    public DateTime LastTime { get; }

    public override string ToString() => $"{ContainerName} {Events} events";
}
