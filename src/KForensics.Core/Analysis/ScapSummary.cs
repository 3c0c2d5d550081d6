using KForensics.Core.Scap.Format;
namespace KForensics.Core.Analysis;

/// <summary>
/// Sysdig Inspect's overview of one capture: the tiles its wsysdig_summary chisel computes (processes,
/// containers, system calls, file and network I/O, connections, listening ports, commands, errors), plus
/// the span, the events sysdig prints, the users and the login shells.
/// </summary>
public sealed class ScapSummary
{
    internal ScapSummary(string source, SummaryTotals t)
    {
        Source = source;
        FirstEventTime = t.First is { } first ? ScapTime.ToDateTime(first) : null;
        LastEventTime = t.Last is { } last ? ScapTime.ToDateTime(last) : null;
        Duration = t.First is { } a && t.Last is { } b && b >= a ? TimeSpan.FromTicks((long)((b - a) / 100)) : TimeSpan.Zero;
        Events = t.Events;
        SystemCalls = t.SystemCalls;
        Processes = t.Processes;
        Containers = t.Containers;
        ExecutedCommands = t.ExecutedCommands;
        InteractiveCommands = t.InteractiveCommands;
        FileOpens = t.FileOpens;
        AccessedFiles = t.AccessedFiles;
        ModifiedFiles = t.ModifiedFiles;
        ModifiedSystemFiles = t.ModifiedSystemFiles;
        DeletedFiles = t.DeletedFiles;
        NewSymlinks = t.NewSymlinks;
        FileBytesRead = t.FileBytesRead;
        FileBytesWritten = t.FileBytesWritten;
        NetBytesIn = t.NetBytesIn;
        NetBytesOut = t.NetBytesOut;
        ActiveConnections = t.ActiveConnections;
        InboundConnections = t.InboundConnections;
        OutboundConnections = t.OutboundConnections;
        SshConnections = t.SshConnections;
        ListeningPorts = t.ListeningPorts;
        NewListeningPorts = t.NewListeningPorts;
        Errors = t.Errors;
        FileOpenErrors = t.FileOpenErrors;
        FailedConnections = t.FailedConnections;
        Forks = t.Forks;
        Signals = t.Signals;
        Segfaults = t.Segfaults;
        SudoInvocations = t.SudoInvocations;
        SetnsInvocations = t.SetnsInvocations;
        UserNames = t.UserNames;
        LoginShells = t.LoginShells;
    }

    /// <summary>The capture file.</summary>
    public string Source { get; }

    /// <summary>Time of the first event counted in <see cref="Events"/> (UTC); null when there is none.</summary>
    public DateTime? FirstEventTime { get; }

    /// <summary>Time of the last event counted in <see cref="Events"/> (UTC).</summary>
    public DateTime? LastEventTime { get; }

    /// <summary>From the first to the last event.</summary>
    public TimeSpan Duration { get; }

    /// <summary>The events sysdig prints (with -Filter, those that pass it).</summary>
    public long Events { get; }

    /// <summary>Inspect's "System Calls": every event a chisel gets, sysdig's internal ones (process-table snapshots) included.</summary>
    public long SystemCalls { get; }

    /// <summary>Inspect's "Running Processes": the processes in sysdig's process table at its 400 sample times.</summary>
    public int Processes { get; }

    /// <summary>Inspect's "Running Containers": the containers sysdig knew at its sample times.</summary>
    public int Containers { get; }

    /// <summary>Successful execve calls.</summary>
    public long ExecutedCommands { get; }

    /// <summary>Successful execve calls whose parent's name contains "bash".</summary>
    public long InteractiveCommands { get; }

    /// <summary>Successful opens of files (open, openat, openat2), as Get-ScapFileAccess counts them.</summary>
    public long FileOpens { get; }

    /// <summary>Distinct files (per container) read or written.</summary>
    public int AccessedFiles { get; }

    /// <summary>Distinct files (per container) written.</summary>
    public int ModifiedFiles { get; }

    /// <summary>Distinct files written under /bin, /sbin, /boot, /etc, /lib*, /usr/bin, /usr/sbin, /usr/share, /usr/lib*.</summary>
    public int ModifiedSystemFiles { get; }

    /// <summary>Successful unlink and unlinkat calls.</summary>
    public long DeletedFiles { get; }

    /// <summary>Successful symlink and symlinkat calls.</summary>
    public long NewSymlinks { get; }

    /// <summary>Bytes read from files.</summary>
    public long FileBytesRead { get; }

    /// <summary>Bytes written to files.</summary>
    public long FileBytesWritten { get; }

    /// <summary>Bytes read from and written to files.</summary>
    public long FileBytes => FileBytesRead + FileBytesWritten;

    /// <summary>Bytes read from IPv4/IPv6 sockets.</summary>
    public long NetBytesIn { get; }

    /// <summary>Bytes written to IPv4/IPv6 sockets.</summary>
    public long NetBytesOut { get; }

    /// <summary>Bytes read from and written to the network.</summary>
    public long NetBytes => NetBytesIn + NetBytesOut;

    /// <summary>Distinct connections (per container) that moved bytes.</summary>
    public int ActiveConnections { get; }

    /// <summary>accept calls that yielded a connection with a server port.</summary>
    public long InboundConnections { get; }

    /// <summary>connect calls on a socket with a server port, failed ones included (as Inspect counts them).</summary>
    public long OutboundConnections { get; }

    /// <summary>Inbound and outbound connections on port 22.</summary>
    public long SshConnections { get; }

    /// <summary>Distinct server ports: listening or serving when the capture began, or bound during it.</summary>
    public int ListeningPorts { get; }

    /// <summary>Successful bind calls on a port.</summary>
    public long NewListeningPorts { get; }

    /// <summary>Events that returned an error (evt.failed).</summary>
    public long Errors { get; }

    /// <summary>Failed open calls (Inspect's "File Open Errors"; openat is not counted there).</summary>
    public long FileOpenErrors { get; }

    /// <summary>Failed connect calls on IP sockets, EINPROGRESS excepted.</summary>
    public long FailedConnections { get; }

    /// <summary>Successful clone and fork calls, seen from the parent.</summary>
    public long Forks { get; }

    /// <summary>Signals delivered.</summary>
    public long Signals { get; }

    /// <summary>SIGSEGV signals delivered.</summary>
    public long Segfaults { get; }

    /// <summary>Successful execve calls of sudo.</summary>
    public long SudoInvocations { get; }

    /// <summary>Successful setns calls (entering another container's namespaces).</summary>
    public long SetnsInvocations { get; }

    /// <summary>Distinct user names of the events, in order of appearance.</summary>
    public IReadOnlyList<string> UserNames { get; }

    /// <summary>How many distinct users the events ran as.</summary>
    public int Users => UserNames.Count;

    /// <summary>Distinct login shells (proc.loginshellid) from which commands were executed.</summary>
    public int LoginShells { get; }

    /// <summary>Alerts the rules raised over the events counted (Get-ScapSummary -Rule); null without rules.</summary>
    public long? Alerts { get; private set; }

    /// <summary>Those alerts per Falco priority, every priority listed, most severe first; null without rules.</summary>
    public IReadOnlyDictionary<string, long>? AlertsByPriority { get; private set; }

    /// <summary>This summary with the alert counts of rules evaluated over the same events.</summary>
    public ScapSummary WithAlerts(IReadOnlyDictionary<string, long> byPriority)
    {
        ArgumentNullException.ThrowIfNull(byPriority);
        var copy = (ScapSummary)MemberwiseClone();
        copy.AlertsByPriority = byPriority;
        copy.Alerts = byPriority.Values.Sum();
        return copy;
    }

    public override string ToString() => $"{System.IO.Path.GetFileName(Source)}: {Events} events, {Processes} processes, {Containers} containers";
}

/// <summary>The figures a <see cref="SummaryAggregator"/> gathers, handed to <see cref="ScapSummary"/> in one piece.</summary>
internal sealed class SummaryTotals
{
    public ulong? First { get; set; }

    public ulong? Last { get; set; }

    public long Events { get; set; }

    public long SystemCalls { get; set; }

    public int Processes { get; set; }

    public int Containers { get; set; }

    public long ExecutedCommands { get; set; }

    public long InteractiveCommands { get; set; }

    public long FileOpens { get; set; }

    public int AccessedFiles { get; set; }

    public int ModifiedFiles { get; set; }

    public int ModifiedSystemFiles { get; set; }

    public long DeletedFiles { get; set; }

    public long NewSymlinks { get; set; }

    public long FileBytesRead { get; set; }

    public long FileBytesWritten { get; set; }

    public long NetBytesIn { get; set; }

    public long NetBytesOut { get; set; }

    public int ActiveConnections { get; set; }

    public long InboundConnections { get; set; }

    public long OutboundConnections { get; set; }

    public long SshConnections { get; set; }

    public int ListeningPorts { get; set; }

    public long NewListeningPorts { get; set; }

    public long Errors { get; set; }

    public long FileOpenErrors { get; set; }

    public long FailedConnections { get; set; }

    public long Forks { get; set; }

    public long Signals { get; set; }

    public long Segfaults { get; set; }

    public long SudoInvocations { get; set; }

    public long SetnsInvocations { get; set; }

    public IReadOnlyList<string> UserNames { get; set; } = [];

    public int LoginShells { get; set; }
}
