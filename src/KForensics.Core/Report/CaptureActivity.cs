namespace KForensics.Core.Report;

/// <summary>The figures of one capture at the top of a report: events, time span and marked activity.</summary>
public sealed class CaptureActivity
{
    internal CaptureActivity(string source, long events, DateTime? firstTime, DateTime? lastTime, TimeSpan? duration,
        int containers, long commands, long fileOpens, long connections)
    {
        Source = source;
        Events = events;
        FirstTime = firstTime;
        LastTime = lastTime;
        Duration = duration;
        Containers = containers;
        Commands = commands;
        FileOpens = fileOpens;
        Connections = connections;
    }

    /// <summary>The capture file.</summary>
    public string Source { get; }

    /// <summary>The events sysdig prints (that pass the filter, when one is given).</summary>
    public long Events { get; }

    /// <summary>Time of the first event (UTC); null without events.</summary>
    public DateTime? FirstTime { get; }

    /// <summary>Time of the last event (UTC); null without events.</summary>
    public DateTime? LastTime { get; }

    /// <summary>Last minus first.</summary>
    public TimeSpan? Duration { get; }

    /// <summary>Containers with events (the host not counted).</summary>
    public int Containers { get; }

    /// <summary>Successful execve/execveat.</summary>
    public long Commands { get; }

    /// <summary>Successful opens of files.</summary>
    public long FileOpens { get; }

    /// <summary>connect/accept on IPv4 and IPv6 sockets.</summary>
    public long Connections { get; }

    public override string ToString() => $"{Path.GetFileName(Source)} {Events} events";
}
