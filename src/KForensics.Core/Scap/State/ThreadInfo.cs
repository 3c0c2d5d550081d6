using KForensics.Core.Scap.Format;

namespace KForensics.Core.Scap.State;

/// <summary>
/// What a process runs as: name, executable, arguments. Replaced (never changed) at execve, so
/// an event that captured it keeps the values of its own moment.
/// </summary>
internal sealed class ProcessImage
{
    private string? _commandLine;

    public ProcessImage(string comm, string exe, string exePath, IReadOnlyList<string> args)
    {
        Comm = comm;
        Exe = exe;
        ExePath = exePath;
        Args = args;
    }

    /// <summary>The placeholder sysdig uses for threads it never saw start.</summary>
    public static ProcessImage Unknown { get; } = new("<NA>", "<NA>", "", []);

    /// <summary>proc.name.</summary>
    public string Comm { get; }

    /// <summary>proc.exe (argv[0]).</summary>
    public string Exe { get; }

    public string ExePath { get; }

    public IReadOnlyList<string> Args { get; }

    /// <summary>proc.cmdline: the name followed by each argument, space-separated; built on first use.</summary>
    public string CommandLine => _commandLine ??= Args.Count == 0 ? Comm : Comm + " " + string.Join(' ', Args);
}

/// <summary>One thread of the thread table (sinsp_threadinfo, the parts KForensics reports).</summary>
internal sealed class ThreadInfo
{
    public ThreadInfo(long tid, long pid, long ptid, ProcessImage image)
    {
        Tid = tid;
        Pid = pid;
        Ptid = ptid;
        Image = image;
    }

    public long Tid { get; }

    public long Pid { get; set; }

    public long Ptid { get; set; }

    /// <summary>The thread id in its pid namespace; -1 where nothing told it (placeholders, process lists before V4).</summary>
    public long Vtid { get; set; } = -1;

    /// <summary>The process id in its pid namespace; -1 where nothing told it.</summary>
    public long Vpid { get; set; } = -1;

    public ProcessImage Image { get; set; }

    /// <summary>Working directory, always ending in '/' (only meaningful on the main thread, as in sinsp).</summary>
    public string Cwd { get; set; } = "";

    public uint Flags { get; set; }

    public uint Uid { get; set; } = uint.MaxValue;

    public uint Gid { get; set; } = uint.MaxValue;

    public IReadOnlyList<string> Cgroups { get; set; } = [];

    /// <summary>container.id ("" on the host, as sinsp stores it).</summary>
    public string ContainerId { get; set; } = "";

    public ulong CloneTs { get; set; }

    /// <summary>proc.sid, proc.vpgid (-1 until the capture states them, as in sinsp).</summary>
    public long Sid { get; set; } = -1;

    public long Vpgid { get; set; } = -1;

    /// <summary>proc.tty: the controlling terminal, 0 for none.</summary>
    public uint Tty { get; set; }

    /// <summary>user.loginuid (uint.MaxValue: none, printed -1).</summary>
    public uint LoginUid { get; set; } = uint.MaxValue;

    /// <summary>proc.fdlimit, proc.vmsize/vmrss/vmswap (kb), thread.pfmajor/pfminor, as clone, execve and the process list state them.</summary>
    public long FdLimit { get; set; } = -1;

    public ulong VmSizeKb { get; set; }

    public ulong VmRssKb { get; set; }

    public ulong VmSwapKb { get; set; }

    public ulong PfMajor { get; set; }

    public ulong PfMinor { get; set; }

    /// <summary>proc.env, in the order the capture gives it.</summary>
    public IReadOnlyList<string> Env { get; set; } = [];

    /// <summary>Capability sets as execve's exit states them (newer event versions only; null while no event stated them).</summary>
    public ulong? CapInheritable { get; set; }

    public ulong? CapPermitted { get; set; }

    public ulong? CapEffective { get; set; }

    /// <summary>The executable's inode and its times (ns since epoch), from execve's exit; 0 when the event lacks them.</summary>
    public ulong ExeIno { get; set; }

    public ulong ExeInoCtime { get; set; }

    public ulong ExeInoMtime { get; set; }

    /// <summary>clone time minus the executable's ctime, as sinsp computes it at execve (wraps when ctime is later).</summary>
    public ulong ExeInoCtimeDurationCloneTs { get; set; }

    /// <summary>execve's exe flags (PPM_EXE_WRITABLE, _UPPER_LAYER, _FROM_MEMFD, _LOWER_LAYER); null while no event stated them.</summary>
    public uint? ExeFlags { get; set; }

    /// <summary>Start of the thread's pid namespace (container.start_ts), from the newest clone layouts; 0 unknown.</summary>
    public ulong PidnsInitStartTs { get; set; }

    /// <summary>This thread's own fd table; threads sharing files use their main thread's (see <see cref="ThreadTable.FdTableOf"/>).</summary>
    public Dictionary<long, FdInfo> OwnFds { get; set; } = [];

    internal int LastEventType { get; set; } = -1;

    /// <summary>The main thread last looked up for this one (valid while it is still in the table).</summary>
    internal ThreadInfo? CachedMain { get; set; }

    /// <summary>Set when the thread leaves the table, so cached references to it are dropped.</summary>
    internal bool Removed { get; set; }

    internal long LastEventFd { get; set; }

    /// <summary>When the last enter event happened (evt.latency of the exit that pairs with it).</summary>
    internal ulong LastEnterTimestamp { get; set; }

    /// <summary>sinsp's thread latency: set by every exit, cleared by every enter, kept across events that skip that step.</summary>
    internal ulong Latency { get; set; }

    internal bool LastEventDataValid { get; set; }

    /// <summary>Copy of the last stored enter event, for the exit parsers that need its parameters.</summary>
    internal byte[]? LastEnterBuffer { get; set; }

    internal RawEvent LastEnter { get; set; }

    internal bool HasLastEnter { get; set; }

    public bool IsPlaceholder => Image.Comm == "<NA>" && Uid == uint.MaxValue;

    /// <summary>
    /// An environment as sinsp keeps it: the NUL-separated entries up to where only NUL bytes remain (the
    /// kernel's buffer may be longer than its text); an empty entry with text after it is kept.
    /// </summary>
    internal static IReadOnlyList<string> SinspEnv(IReadOnlyList<string> entries)
    {
        int count = entries.Count;
        while (count > 0 && entries[count - 1].Length == 0)
        {
            count--;
        }

        return count == entries.Count ? entries : entries.Take(count).ToList();
    }
}
