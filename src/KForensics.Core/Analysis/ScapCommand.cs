using System.Globalization;

namespace KForensics.Core.Analysis;

/// <summary>
/// One command executed in a capture (a successful execve) or a directory change of a shell (chdir),
/// the events sysdig's spy_users chisel reports, with the user, container, process, ancestors and the
/// shell session and depth the chisel computes.
/// </summary>
public sealed class ScapCommand
{
    internal ScapCommand(string source, DateTime time, string eventType, string? userName, long? userId, string? containerId,
        string? containerName, long? processId, long threadId, long? parentProcessId, string? processName,
        IReadOnlyList<string> ancestors, IReadOnlyList<long> ancestorIds, string exe, string arguments,
        long? shellProcessId, int? shellDepth)
    {
        Source = source;
        Time = time;
        EventType = eventType;
        UserName = userName;
        UserId = userId;
        ContainerId = containerId;
        ContainerName = containerName;
        ProcessId = processId;
        ThreadId = threadId;
        ParentProcessId = parentProcessId;
        ProcessName = processName;
        Ancestors = ancestors;
        AncestorIds = ancestorIds;
        Exe = exe;
        Arguments = arguments;
        ShellProcessId = shellProcessId;
        ShellDepth = shellDepth;
    }

    /// <summary>The capture file.</summary>
    public string Source { get; }

    /// <summary>When the command started (the execve or chdir returned), UTC.</summary>
    public DateTime Time { get; }

    /// <summary>evt.type: execve for a started program, chdir for a shell changing directory (cd).</summary>
    public string EventType { get; }

    /// <summary>user.name; null when the capture's user list lacks the uid (spy_users prints &lt;NA&gt;).</summary>
    public string? UserName { get; }

    /// <summary>user.uid.</summary>
    public long? UserId { get; }

    /// <summary>container.id ("host" outside containers).</summary>
    public string? ContainerId { get; }

    /// <summary>container.name.</summary>
    public string? ContainerName { get; }

    /// <summary>proc.pid.</summary>
    public long? ProcessId { get; }

    /// <summary>thread.tid.</summary>
    public long ThreadId { get; }

    /// <summary>proc.ppid.</summary>
    public long? ParentProcessId { get; }

    /// <summary>proc.name: for execve the new program's name, for chdir the shell's.</summary>
    public string? ProcessName { get; }

    /// <summary>The names of the ancestors, parent first (proc.aname[1], proc.aname[2], ...).</summary>
    public IReadOnlyList<string> Ancestors { get; }

    /// <summary>The pids of the ancestors, parent first (proc.apid[1], ...).</summary>
    public IReadOnlyList<long> AncestorIds { get; }

    /// <summary>proc.exe (argv[0]) for execve; "cd" for chdir.</summary>
    public string Exe { get; }

    /// <summary>proc.args for execve; the directory (evt.arg.path) for chdir.</summary>
    public string Arguments { get; }

    /// <summary>Exe and arguments, as spy_users prints the command.</summary>
    public string CommandLine => Arguments.Length == 0 ? Exe : Exe + " " + Arguments;

    /// <summary>
    /// The pid of the shell session spy_users assigns the command to (the number that starts its line);
    /// null when spy_users does not show the command (no shell among its ancestors).
    /// </summary>
    public long? ShellProcessId { get; }

    /// <summary>
    /// How deep below its shell session the command ran, as spy_users indents it (0 for a command typed
    /// at the shell); null when spy_users does not show the command.
    /// </summary>
    public int? ShellDepth { get; }

    /// <summary>True when spy_users shows the command: a shell is among its ancestors.</summary>
    public bool Interactive => ShellDepth is not null;

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Time:HH:mm:ss} {CommandLine}");
}
