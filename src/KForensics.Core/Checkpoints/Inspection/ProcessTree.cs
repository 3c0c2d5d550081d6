using System.Text;
using Google.Protobuf.Collections;
using KForensics.Core.Criu;
using KForensics.Core.Criu.Images;

namespace KForensics.Core.Checkpoints.Inspection;

/// <summary>
/// The process tree of a checkpoint: pstree for the shape, each task's core for state, comm and
/// credentials, mm for where argv and the environment lie in memory, and the pages for their bytes.
/// Dead and zombie tasks have no memory, so they get no command line or environment (as checkpointctl).
/// </summary>
internal static class ProcessTree
{
    private const int MaxArgumentBlock = 1 << 20;

    /// <summary>Every task in depth-first order from the root (children by pid), or the subtree under <paramref name="rootPid"/>.</summary>
    public static IEnumerable<CheckpointProcess> Read(OpenedCheckpoint checkpoint, uint? rootPid, bool withMemory, CancellationToken cancellationToken)
    {
        CriuImageSet images = checkpoint.Images;
        IReadOnlyList<PstreeEntry> entries = images.Processes;
        var byPid = entries.ToDictionary(e => e.Pid);
        var children = entries.ToLookup(e => e.Ppid);
        IEnumerable<PstreeEntry> roots;
        if (rootPid is uint pid)
        {
            if (!byPid.TryGetValue(pid, out PstreeEntry? root))
            {
                throw new CheckpointInspectionException(CheckpointInspectionErrorKind.ProcessNotFound,
                    "The checkpoint '" + checkpoint.Path + "' has no process " + pid + "; its processes are " + string.Join(", ", entries.Select(e => e.Pid)) + ".", pid.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }

            roots = [root];
        }
        else
        {
            // The root task is the one whose parent is not in the tree (ppid 0 in a container's pid namespace).
            roots = entries.Where(e => !byPid.ContainsKey(e.Ppid)).OrderBy(e => e.Pid);
        }

        foreach (PstreeEntry root in roots)
        {
            foreach (CheckpointProcess p in Walk(checkpoint, root, byPid, children, withMemory, cancellationToken))
            {
                yield return p;
            }
        }
    }

    private static IEnumerable<CheckpointProcess> Walk(OpenedCheckpoint checkpoint, PstreeEntry root, Dictionary<uint, PstreeEntry> byPid,
        ILookup<uint, PstreeEntry> children, bool withMemory, CancellationToken cancellationToken)
    {
        var stack = new Stack<PstreeEntry>();
        stack.Push(root);
        while (stack.Count > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            PstreeEntry entry = stack.Pop();
            yield return Describe(checkpoint, entry, AncestorsOf(entry, byPid), withMemory);
            foreach (PstreeEntry child in children[entry.Pid].OrderByDescending(c => c.Pid))
            {
                stack.Push(child);
            }
        }
    }

    private static List<uint> AncestorsOf(PstreeEntry entry, Dictionary<uint, PstreeEntry> byPid)
    {
        var ancestors = new List<uint>();
        uint parent = entry.Ppid;
        while (byPid.TryGetValue(parent, out PstreeEntry? p) && ancestors.Count < byPid.Count)
        {
            ancestors.Insert(0, p.Pid);
            parent = p.Ppid;
        }

        return ancestors;
    }

    internal static CheckpointProcess Describe(OpenedCheckpoint checkpoint, PstreeEntry entry, IReadOnlyList<uint> ancestors, bool withMemory)
    {
        CriuImageSet images = checkpoint.Images;
        CoreEntry core = images.Core(entry.Pid);
        CheckpointTaskState state = StateOf(core.Tc?.TaskState ?? 0);
        bool alive = state is CheckpointTaskState.Alive or CheckpointTaskState.Stopped;
        var threads = entry.Threads.Count > 0 ? entry.Threads.ToList() : [entry.Pid];
        var names = new List<string>(threads.Count);
        foreach (uint tid in threads)
        {
            names.Add(alive ? ThreadName(images, tid, entry.Pid, core) : core.Tc?.Comm ?? string.Empty);
        }

        IReadOnlyList<string> arguments = [];
        IReadOnlyDictionary<string, string> environment = new Dictionary<string, string>();
        long memory = 0, shared = 0;
        string? cwd = null, root = null, executable = null;
        if (alive)
        {
            MmEntry? mm = images.Mm(entry.Pid);
            FsEntry? fs = images.Fs(entry.Pid);
            cwd = fs is null ? null : FileNames.PathOf(images, fs.CwdId);
            root = fs is null ? null : FileNames.PathOf(images, fs.RootId);
            if (mm is not null)
            {
                executable = mm.ExeFileId != 0 ? FileNames.PathOf(images, mm.ExeFileId) : null;
                if (withMemory)
                {
                    using ProcessMemory pages = images.OpenMemory(entry.Pid);
                    memory = pages.DumpedSize;
                    shared = pages.SharedSize;
                    arguments = SplitArguments(Block(pages, mm.MmArgStart, mm.MmArgEnd));
                    environment = SplitEnvironment(Block(pages, mm.MmEnvStart, mm.MmEnvEnd));
                }
            }
        }

        return new CheckpointProcess(checkpoint.Path, entry.Pid, entry.Ppid, entry.Pgid, entry.Sid, threads, names, state,
            core.Tc?.Comm ?? string.Empty, arguments, environment, alive ? Credentials(images, entry.Pid) : null, cwd, root, executable,
            ancestors.Count, ancestors, memory, shared, alive ? null : ExitStatus(core.Tc?.ExitCode), alive ? null : TerminatingSignal(core.Tc?.ExitCode));
    }

    // CRIU keeps a zombie's wait status: the exit code in bits 8-15 when it exited, the signal in bits 0-6 when it was killed.
    private static uint? ExitStatus(uint? status) => status is uint s && (s & 0x7f) == 0 ? (s >> 8) & 0xff : null;

    private static uint? TerminatingSignal(uint? status) => status is uint s && (s & 0x7f) != 0 ? s & 0x7f : null;

    internal static CheckpointTaskState StateOf(uint state) => state switch
    {
        1 => CheckpointTaskState.Alive,
        // CRIU records a zombie (exited, not yet reaped) as TASK_DEAD: every dead task in a tree is one.
        2 => CheckpointTaskState.Zombie,
        3 => CheckpointTaskState.Stopped,
        6 => CheckpointTaskState.Zombie,
        _ => CheckpointTaskState.Unknown,
    };

    private static string ThreadName(CriuImageSet images, uint tid, uint pid, CoreEntry leader)
    {
        CoreEntry core = tid == pid ? leader : images.Core(tid);
        string? name = core.ThreadCore?.Comm;
        return string.IsNullOrEmpty(name) ? leader.Tc?.Comm ?? string.Empty : name;
    }

    private static CheckpointCredentials? Credentials(CriuImageSet images, uint pid)
    {
        CredsEntry? c = images.Creds(pid);
        if (c is null)
        {
            return null;
        }

        return new CheckpointCredentials(c.Uid, c.Gid, c.Euid, c.Egid, c.Suid, c.Sgid, c.Groups.ToList(), Mask(c.CapEff), Mask(c.CapPrm), Mask(c.CapBnd),
            c.NoNewPrivs != 0, string.IsNullOrEmpty(c.LsmProfile) ? null : c.LsmProfile);
    }

    /// <summary>CRIU stores a 64-bit capability set as two 32-bit words, low word first.</summary>
    private static ulong Mask(RepeatedField<uint> words)
        => (words.Count > 0 ? words[0] : 0UL) | ((words.Count > 1 ? (ulong)words[1] : 0UL) << 32);

    private static byte[] Block(ProcessMemory memory, ulong start, ulong end)
        => end > start ? memory.ReadRange(start, start + Math.Min(end - start, (ulong)MaxArgumentBlock)) : [];

    /// <summary>argv is NUL-separated with a final NUL; a process that rewrote its argv may leave no final NUL.</summary>
    internal static IReadOnlyList<string> SplitArguments(byte[] block)
    {
        if (block.Length == 0)
        {
            return [];
        }

        int length = block.Length;
        if (block[length - 1] == 0)
        {
            length--;
        }

        return Encoding.UTF8.GetString(block, 0, length).Split('\0');
    }

    /// <summary>K=V strings, NUL-separated; empty strings skipped; a string without '=' is kept with an empty value.</summary>
    internal static IReadOnlyDictionary<string, string> SplitEnvironment(byte[] block)
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string item in Encoding.UTF8.GetString(block).Split('\0'))
        {
            if (item.Length == 0)
            {
                continue;
            }

            int equals = item.IndexOf('=');
            string key = equals > 0 ? item[..equals] : item;
            environment[key] = equals > 0 ? item[(equals + 1)..] : string.Empty;
        }

        return environment;
    }
}
