using KForensics.Core.Scap.Fields;
using KForensics.Core.Scap.Format;
using KForensics.Core.Scap.State;

namespace KForensics.Core.Analysis;

/// <summary>
/// The process table of a capture: every process of the capture's process list (without a user filter)
/// and every process that had an event, one row per pid (a pid reused after its process exited starts a
/// new row). The figures follow sysdig's topprocs chisels, which key by proc.name and proc.pid: CPU from
/// thread.cpu over procinfo samples (topprocs_cpu), the bytes table_generator sums for topprocs_file and
/// topprocs_net, and the failed calls topprocs_errors counts.
/// </summary>
public sealed class ProcessAggregator : ScapView
{
    /// <summary>The events whose bytes topprocs_file sums.</summary>
    public const string FileFilter = TopFigures.FileFilter;

    /// <summary>The events whose bytes topprocs_net sums.</summary>
    public const string NetworkFilter = TopFigures.NetFilter;

    /// <summary>The events topprocs_errors counts.</summary>
    public const string ErrorFilter = TopFigures.ErrorFilter;


    private readonly Dictionary<long, ProcessRow> _current = [];
    private readonly List<ProcessRow> _rows = [];

    // sinsp keeps thread.cpu's last counter on the thread itself, so a thread that is replaced starts over.
    private readonly Dictionary<ThreadInfo, ulong> _lastCpu = new(ReferenceEqualityComparer.Instance);
    private bool _started;

    /// <param name="userFilter">The user's compiled filter, or null. Without one the capture's process list adds its processes.</param>
    public ProcessAggregator(Func<ScapFilterContext, bool>? userFilter = null)
        : base(userFilter)
    {
    }

    private protected override bool ObservesChiselEvents => true;

    private protected override void Observe(ScapFilterContext context)
    {
        if (!_started)
        {
            // The thread table when the first event has been parsed: what sysdig's ps chisel lists.
            _started = true;
            if (UserFilter is null)
            {
                AddProcessList(context.State);
            }
        }

        if (context.Thread is not { } thread)
        {
            return;
        }

        if (context.Hidden)
        {
            if (context.Info.Id == EventIds.ProcinfoE)
            {
                AddCpu(context, thread);
            }

            return;
        }

        ProcessRow row = RowFor(thread.Pid, thread, context.State);
        row.AddEvent(context);
        (long fileBytes, long netBytes, bool failed) = TopFigures.Of(context);
        row.FileBytes += fileBytes;
        row.NetworkBytes += netBytes;
        if (failed)
        {
            row.Errors++;
        }

        if (context.Info.Id is EventIds.ProcexitE or EventIds.Procexit1E && context.Raw.ThreadId == thread.Pid)
        {
            row.ExitedThread = thread;
        }
    }

    /// <summary>sinsp's thread.cpu on a procinfo event: ticks since the thread's previous sample, at most 100; 0 for its first.</summary>
    private void AddCpu(ScapFilterContext context, ThreadInfo thread)
    {
        RawEvent raw = context.Raw;
        ulong total = unchecked(U64(raw, 0) + U64(raw, 1));
        double cpu = 0;
        if (_lastCpu.TryGetValue(thread, out ulong last) && last != 0)
        {
            cpu = Math.Min(unchecked((double)(total - last)), 100);
        }

        _lastCpu[thread] = total;

        // A sample only makes a row when it counts CPU: with -Filter, idle processes stay out.
        if (cpu > 0 || _current.ContainsKey(thread.Pid))
        {
            RowFor(thread.Pid, thread, context.State).CpuTicks += (long)cpu;
        }
    }

    private static ulong U64(in RawEvent raw, int index)
        => index < raw.ParamCount && raw.GetParam(index) is { Length: >= 8 } p ? System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(p) : 0;

    private void AddProcessList(Inspector state)
    {
        foreach (IGrouping<long, ThreadInfo> process in state.Threads.All.GroupBy(t => t.Pid).OrderBy(g => g.Key))
        {
            ThreadInfo main = process.FirstOrDefault(t => t.Tid == t.Pid) ?? process.First();
            ProcessRow row = RowFor(process.Key, main, state);
            row.InProcessList = true;
            foreach (ThreadInfo t in process)
            {
                row.Threads.Add(t.Tid);
            }
        }
    }

    private ProcessRow RowFor(long pid, ThreadInfo thread, Inspector state)
    {
        if (_current.TryGetValue(pid, out ProcessRow? row)
            && !(row.ExitedThread is { } gone && thread.Tid == pid && !ReferenceEquals(thread, gone)))
        {
            return row;
        }

        row = new ProcessRow(pid, _rows.Count, Identify(thread, state));
        _current[pid] = row;
        _rows.Add(row);
        return row;
    }

    /// <summary>A process's identity from the thread table alone (no event): the same values the fields give.</summary>
    private static ProcessIdentity Identify(ThreadInfo thread, Inspector state)
    {
        ThreadInfo main = thread.Tid == thread.Pid ? thread : state.Threads.Find(thread.Pid) ?? thread;
        ProcessImage image = thread.Image;
        string containerId = thread.ContainerId.Length == 0 ? "host" : thread.ContainerId;
        string? containerName = thread.ContainerId.Length == 0 ? "host"
            : state.Containers.Find(thread.ContainerId) is { IsIdOnly: false } c ? c.Name : null;
        return new ProcessIdentity(main.Image.Comm, image.Exe, image.ExePath.Length > 0 ? image.ExePath : null,
            ProcessRow.CommandLine(image.Exe, string.Join(' ', image.Args)), main.Ptid,
            state.Threads.Find(thread.Ptid)?.Image.Comm, state.Users.FindUser(thread.Uid)?.Name, thread.Uid, containerId, containerName);
    }

    /// <summary>The rows so far, by pid.</summary>
    public IReadOnlyList<ScapProcess> Rows(string source)
        => _rows.OrderBy(r => r.ProcessId).ThenBy(r => r.Order).Select(r => r.ToProcess(source)).ToList();

    public override IEnumerable<object> RowObjects(string source) => Rows(source);
}
