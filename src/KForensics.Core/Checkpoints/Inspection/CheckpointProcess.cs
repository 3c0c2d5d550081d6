namespace KForensics.Core.Checkpoints.Inspection;

/// <summary>A task's state when it was frozen, with CRIU's numbering (compel's task-state values).</summary>
public enum CheckpointTaskState
{
    Unknown = 0,
    Alive = 1,
    Dead = 2,
    Stopped = 3,
    Zombie = 6,
}

/// <summary>One process of a checkpoint, as CRIU froze it: identity, tree position, credentials, and the command line and environment read from its memory.</summary>
public sealed class CheckpointProcess
{
    internal CheckpointProcess(string checkpoint, uint processId, uint parentProcessId, uint processGroupId, uint sessionId, IReadOnlyList<uint> threads,
        IReadOnlyList<string> threadNames, CheckpointTaskState state, string command, IReadOnlyList<string> arguments, IReadOnlyDictionary<string, string> environment,
        CheckpointCredentials? credentials, string? workingDirectory, string? root, string? executable, int depth, IReadOnlyList<uint> ancestors,
        long memorySize, long sharedMemorySize, uint? exitCode, uint? terminatingSignal)
    {
        Checkpoint = checkpoint;
        ProcessId = processId;
        ParentProcessId = parentProcessId;
        ProcessGroupId = processGroupId;
        SessionId = sessionId;
        Threads = threads;
        ThreadNames = threadNames;
        State = state;
        Command = command;
        Arguments = arguments;
        Environment = environment;
        Credentials = credentials;
        WorkingDirectory = workingDirectory;
        Root = root;
        Executable = executable;
        Depth = depth;
        Ancestors = ancestors;
        MemorySize = memorySize;
        SharedMemorySize = sharedMemorySize;
        ExitCode = exitCode;
        TerminatingSignal = terminatingSignal;
    }

    /// <summary>The checkpoint (archive or directory) the process was read from.</summary>
    public string Checkpoint { get; }

    /// <summary>The pid inside the container's pid namespace, as CRIU records it.</summary>
    public uint ProcessId { get; }

    /// <summary>0 for the checkpoint's root task.</summary>
    public uint ParentProcessId { get; }

    public uint ProcessGroupId { get; }

    public uint SessionId { get; }

    /// <summary>Thread ids, the leader first.</summary>
    public IReadOnlyList<uint> Threads { get; }

    public int ThreadCount => Threads.Count;

    /// <summary>Each thread's name, in the order of <see cref="Threads"/>.</summary>
    public IReadOnlyList<string> ThreadNames { get; }

    public CheckpointTaskState State { get; }

    /// <summary>The task's comm (at most 15 characters).</summary>
    public string Command { get; }

    /// <summary>argv, read from the process's memory; empty for dead and zombie tasks.</summary>
    public IReadOnlyList<string> Arguments { get; }

    /// <summary>argv joined by single spaces.</summary>
    public string CommandLine => string.Join(' ', Arguments);

    /// <summary>The environment, read from the process's memory, in its own order.</summary>
    public IReadOnlyDictionary<string, string> Environment { get; }

    public CheckpointCredentials? Credentials { get; }

    public uint? UserId => Credentials?.UserId;

    public uint? GroupId => Credentials?.GroupId;

    public string? WorkingDirectory { get; }

    public string? Root { get; }

    /// <summary>The executable's path (the file the process's memory maps as its program).</summary>
    public string? Executable { get; }

    /// <summary>0 for the root task.</summary>
    public int Depth { get; }

    /// <summary>The pids from the root task down to this one's parent.</summary>
    public IReadOnlyList<uint> Ancestors { get; }

    /// <summary>Bytes of memory pages CRIU recorded for the process (checkpointctl memparse's MEMORY SIZE).</summary>
    public long MemorySize { get; }

    /// <summary>Bytes of shared mappings (memparse's SHARED MEMORY SIZE).</summary>
    public long SharedMemorySize { get; }

    /// <summary>The exit code of a zombie that exited (null when a signal ended it).</summary>
    public uint? ExitCode { get; }

    /// <summary>For a zombie killed by a signal: the signal's number.</summary>
    public uint? TerminatingSignal { get; }

    public override string ToString() => ProcessId + " " + (Arguments.Count > 0 ? CommandLine : Command);
}

/// <summary>A task's credentials as CRIU saved them.</summary>
public sealed class CheckpointCredentials
{
    internal CheckpointCredentials(uint userId, uint groupId, uint effectiveUserId, uint effectiveGroupId, uint savedUserId, uint savedGroupId,
        IReadOnlyList<uint> groups, ulong effectiveCapabilities, ulong permittedCapabilities, ulong boundingCapabilities, bool noNewPrivileges, string? securityProfile)
    {
        UserId = userId;
        GroupId = groupId;
        EffectiveUserId = effectiveUserId;
        EffectiveGroupId = effectiveGroupId;
        SavedUserId = savedUserId;
        SavedGroupId = savedGroupId;
        Groups = groups;
        EffectiveCapabilities = effectiveCapabilities;
        PermittedCapabilities = permittedCapabilities;
        BoundingCapabilities = boundingCapabilities;
        NoNewPrivileges = noNewPrivileges;
        SecurityProfile = securityProfile;
    }

    public uint UserId { get; }

    public uint GroupId { get; }

    public uint EffectiveUserId { get; }

    public uint EffectiveGroupId { get; }

    public uint SavedUserId { get; }

    public uint SavedGroupId { get; }

    public IReadOnlyList<uint> Groups { get; }

    /// <summary>The effective capability mask (bit N = capability N), as /proc/PID/status CapEff shows it.</summary>
    public ulong EffectiveCapabilities { get; }

    public ulong PermittedCapabilities { get; }

    public ulong BoundingCapabilities { get; }

    public bool NoNewPrivileges { get; }

    /// <summary>The LSM profile (AppArmor or SELinux label), when one was recorded.</summary>
    public string? SecurityProfile { get; }

    public override string ToString() => "uid=" + UserId + " gid=" + GroupId;
}
