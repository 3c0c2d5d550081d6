namespace KForensics.Core.Analysis;

/// <summary>
/// One process of a capture: who it was (as of its last event), when it was active, its threads, whether
/// it exited, and the figures sysdig's topprocs_cpu, topprocs_file, topprocs_net and topprocs_errors
/// chisels compute for it.
/// </summary>
public sealed class ScapProcess
{
    internal ScapProcess(string source, long processId, ProcessIdentity identity, bool inProcessList, DateTime? firstTime,
        DateTime? lastTime, long events, int threads, bool exited, long cpuTicks, long fileBytes, long networkBytes, long errors)
    {
        Source = source;
        ProcessId = processId;
        Name = identity.Name;
        Exe = identity.Exe;
        ExePath = identity.ExePath;
        CommandLine = identity.CommandLine;
        ParentProcessId = identity.ParentProcessId;
        ParentName = identity.ParentName;
        UserName = identity.UserName;
        UserId = identity.UserId;
        ContainerId = identity.ContainerId;
        ContainerName = identity.ContainerName;
        InProcessList = inProcessList;
        FirstTime = firstTime;
        LastTime = lastTime;
        Events = events;
        Threads = threads;
        Exited = exited;
        CpuTicks = cpuTicks;
        FileBytes = fileBytes;
        NetworkBytes = networkBytes;
        Errors = errors;
    }

    /// <summary>The capture file.</summary>
    public string Source { get; }

    /// <summary>proc.pid.</summary>
    public long ProcessId { get; }

    /// <summary>The name of its main thread (proc.aname[0]); other threads may carry names of their own.</summary>
    public string? Name { get; }

    /// <summary>proc.exe (argv[0]).</summary>
    public string? Exe { get; }

    /// <summary>proc.exepath; null when the capture does not have it (sysdig prints an empty string).</summary>
    public string? ExePath { get; }

    /// <summary>Exe and arguments (proc.exeline, without the space sysdig leaves after an exe that has no arguments).</summary>
    public string? CommandLine { get; }

    /// <summary>proc.ppid.</summary>
    public long? ParentProcessId { get; }

    /// <summary>proc.pname.</summary>
    public string? ParentName { get; }

    /// <summary>user.name; null when the capture's user list lacks the uid.</summary>
    public string? UserName { get; }

    /// <summary>user.uid.</summary>
    public long? UserId { get; }

    /// <summary>container.id ("host" outside containers).</summary>
    public string? ContainerId { get; }

    /// <summary>container.name.</summary>
    public string? ContainerName { get; }

    /// <summary>The process was in the capture's process list: it ran when the capture started.</summary>
    public bool InProcessList { get; }

    /// <summary>Time of its first event (UTC); null when it had none.</summary>
    public DateTime? FirstTime { get; }

    /// <summary>Time of its last event (UTC); null when it had none.</summary>
    public DateTime? LastTime { get; }

    /// <summary>Its events (those sysdig prints; with -Filter, those that pass it).</summary>
    public long Events { get; }

    /// <summary>Its threads: those of the process list and those that had events.</summary>
    public int Threads { get; }

    /// <summary>The capture holds the exit (procexit) of its main thread.</summary>
    public bool Exited { get; }

    /// <summary>CPU ticks (1/100 s) summed as topprocs_cpu sums thread.cpu over the procinfo samples.</summary>
    public long CpuTicks { get; }

    /// <summary>CpuTicks as time: what topprocs_cpu divides by the capture's duration to print CPU%.</summary>
    public TimeSpan CpuTime => TimeSpan.FromMilliseconds(CpuTicks * 10);

    /// <summary>Bytes read and written on files (topprocs_file).</summary>
    public long FileBytes { get; }

    /// <summary>Bytes read and written on IPv4/IPv6 sockets (topprocs_net).</summary>
    public long NetworkBytes { get; }

    /// <summary>Failed system calls (topprocs_errors).</summary>
    public long Errors { get; }

    public override string ToString() => $"{ProcessId} {Name}";
}

/// <summary>What a process row says about who the process is, as of one moment.</summary>
internal sealed record ProcessIdentity(string? Name, string? Exe, string? ExePath, string? CommandLine, long? ParentProcessId,
    string? ParentName, string? UserName, long? UserId, string? ContainerId, string? ContainerName);
