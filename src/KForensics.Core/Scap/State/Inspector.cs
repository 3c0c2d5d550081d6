using KForensics.Core.Scap.Format;

namespace KForensics.Core.Scap.State;

/// <summary>
/// The state machine behind every event: thread, fd, container and user tables, fed by the
/// capture's metadata blocks and updated by each event the way sysdig 0.29.3's parser does, so
/// that proc.*, fd.* and container.* read the same. After <see cref="Process"/> the properties
/// <see cref="Thread"/>, <see cref="Fd"/> and <see cref="FdName"/> describe the event just parsed.
/// </summary>
internal sealed partial class Inspector : IScapMetadataSink
{
    private readonly List<ProcessRecord> _pendingThreads = [];
    private readonly List<(long Tid, FdRecord Fd)> _pendingFds = [];
    private readonly List<long> _fdsToRemove = [];
    private readonly HashSet<ushort> _serverPorts = [];
    private readonly Dictionary<long, int> _childCounts = [];

    /// <summary>sinsp's m_nchilds: the live threads (not processes) of a main thread.</summary>
    internal int ChildCount(long mainTid) => _childCounts.GetValueOrDefault(mainTid);
    private long _tidOfFdsToRemove = -1;
    private long _tidToRemove = -1;
    private bool _metadataDone;
    private FdInfo? _evtFd;

    public ThreadTable Threads { get; } = new();

    public ContainerTable Containers { get; } = new();

    public UserTable Users { get; } = new();

    /// <summary>Pods from the capture's k8s events (old agent captures), by container id.</summary>
    public PodTable Pods { get; } = new();

    public List<InterfaceRecord> Interfaces { get; } = [];

    public MachineInfo? Machine { get; private set; }

    /// <summary>The thread of the last event (null when sysdig has none for it).</summary>
    public ThreadInfo? Thread { get; private set; }

    /// <summary>The fd the last event refers to, after parsing (null when none).</summary>
    public FdInfo? Fd { get; private set; }

    /// <summary>The fd the parser itself attached to the last event (sinsp's evt->m_fdinfo): set only when an exit pairs with its enter.</summary>
    internal FdInfo? EventFd => _evtFd;

    /// <summary>fd.name of the last event: null where sysdig prints &lt;NA&gt;, possibly "" for failed fd events.</summary>
    public string? FdName { get; private set; }

    /// <summary>fd.name_changed of the last event: its exit gave the fd a (new) name (an open, accept, connect, or a tuple seen by a send/receive).</summary>
    public bool FdNameChanged { get; private set; }

    /// <summary>The container of the last event (null without a thread, <see cref="ContainerInfo.Host"/> on the host).</summary>
    public ContainerInfo? Container
    {
        get
        {
            if (!_containerKnown)
            {
                // Looked up when first asked for: most events are never asked.
                _container = Thread is not { } t ? null : t.ContainerId.Length == 0 ? ContainerInfo.Host : Containers.Find(t.ContainerId);
                _containerKnown = true;
            }

            return _container;
        }

        private set
        {
            _container = value;
            _containerKnown = true;
        }
    }

    private ContainerInfo? _container;
    private bool _containerKnown = true;

    /// <summary>The last event must not be shown (sinsp filtered it out while parsing).</summary>
    public bool FilteredOut { get; private set; }

    public void OnMachineInfo(MachineInfo info) => Machine = info;

    public void OnProcess(ProcessRecord process) => _pendingThreads.Add(process);

    public void OnFd(long tid, FdRecord fd) => _pendingFds.Add((tid, fd));

    public void OnInterface(InterfaceRecord entry) => Interfaces.Add(entry);

    public void OnUser(UserRecord user) => Users.Add(user);

    public void OnGroup(GroupRecord group) => Users.Add(group);

    /// <summary>Parses one event and leaves its view of the state in the properties.</summary>
    public void Process(in RawEvent ev, EventInfo info) => Process(ev, info, null);

    /// <summary>
    /// Parses one event, running <paramref name="filter"/> where sinsp's parser runs a capture filter,
    /// and returns its verdict (true without a filter). A filter is not a pure observer there: it runs
    /// before the event is parsed unless the event modifies state, and an event it rejects is not
    /// parsed at all and breaks the pairing of its thread's next exit with this enter, so that exit
    /// carries no fd of its own (evt.buflen, evt.category). The verdict of a later filter thus depends
    /// on the earlier ones, and only replaying this reproduces sysdig's matches.
    /// </summary>
    public bool Process(in RawEvent ev, EventInfo info, Func<bool>? filter)
    {
        if (!_metadataDone)
        {
            FinishMetadata();
        }

        ApplyDeferredRemovals();
        ClearDescription();
        FilteredOut = false;
        FdNameChanged = false;
        Syslog = null;
        _evtFd = null;

        int type = ev.Type;
        Reset(ev, info, type);
        bool filterLater = false;
        if (filter is not null && !FilterBeforeParsing(ev, info, type, filter, out filterLater))
        {
            return false;
        }

        Dispatch(ev, info, type);
        Describe(ev, info, type);
        return !filterLater || filter!();
    }

    /// <summary>sinsp's process_event between reset and the parsers: false when the filter rejected the event there.</summary>
    private bool FilterBeforeParsing(in RawEvent ev, EventInfo info, int type, Func<bool> filter, out bool filterLater)
    {
        EventFlags flags = FlagsOf(info);
        filterLater = (flags & EventFlags.ModifiesState) != 0;
        ThreadInfo? thread = Thread;
        if (type == Ppme.WriteX)
        {
            // Only with a filter: a write exit takes its thread's last fd even when it did not pair
            // with its enter, unless the capture marked it as a tracer write.
            if (_evtFd is null && thread is { LastEventFd: >= 0 })
            {
                _evtFd = Threads.GetFd(thread, thread.LastEventFd);
            }

            if ((ev.BlockFlags & BlockTypes.TracerFlag) != 0)
            {
                _evtFd = null;
                filterLater = true;
            }
        }

        if (filterLater)
        {
            return true;
        }

        Describe(ev, info, type);
        bool pass = filter();
        ClearDescription();
        Thread = thread;
        if (!pass && thread is not null && (flags & EventFlags.SkipParseReset) == 0 && type != Ppme.SchedSwitch6E)
        {
            thread.LastEventType = NoEventType;
        }

        return pass;
    }

    /// <summary>sinsp's PPM_EVENT_MAX as a thread's last event type: no exit pairs with it.</summary>
    private const int NoEventType = ushort.MaxValue + 2;

    private void ClearDescription()
    {
        Thread = null;
        Fd = null;
        FdName = null;
        Container = null;
    }

    private void ApplyDeferredRemovals()
    {
        if (_tidToRemove != -1)
        {
            RemoveThread(_tidToRemove, force: false);
            _tidToRemove = -1;
        }

        if (_fdsToRemove.Count != 0)
        {
            ThreadInfo owner = Threads.GetOrAdd(_tidOfFdsToRemove);
            Dictionary<long, FdInfo> table = Threads.FdTableOf(owner);
            foreach (long fd in _fdsToRemove)
            {
                table.Remove(fd);
            }

            _fdsToRemove.Clear();
        }
    }

    /// <summary>sinsp's reset(): find the thread, remember the enter's fd, pair the exit with its enter.</summary>
    private void Reset(in RawEvent ev, EventInfo info, int type)
    {
        EventFlags flags = FlagsOf(info);
        if ((flags & EventFlags.SkipParseReset) != 0)
        {
            Thread = type == Ppme.ProcInfoE ? Threads.Find(ev.ThreadId) : null;
            return;
        }

        if (type is Ppme.ContainerJsonE or Ppme.ContainerJson2E)
        {
            return;
        }

        // Clone exits and context switches look the thread up without inventing a placeholder;
        // switches then stop, so they never disturb the enter/exit pairing. Events sysdig 0.29.3 does
        // not know never reach its parser, so they must not add threads to the table either.
        bool lookupOnly = Ppme.IsClone(type) || type == Ppme.SchedSwitch6E || !info.IsSysdigKnown;
        ThreadInfo? t = lookupOnly ? Threads.Find(ev.ThreadId) : Threads.GetOrAdd(ev.ThreadId);
        Thread = t;
        if (t is null || type == Ppme.SchedSwitch6E)
        {
            return;
        }

        if ((type & 1) == 0)
        {
            t.LastEventFd = -1;
            t.LastEventType = type;
            t.LastEnterTimestamp = ev.Timestamp;
            t.Latency = 0;
            if ((flags & EventFlags.UsesFd) != 0)
            {
                t.LastEventFd = Params.I64(ev, 0);
                _evtFd = Threads.GetFd(t, t.LastEventFd);
            }

            return;
        }

        if (t.LastEnterTimestamp != 0)
        {
            t.Latency = ev.Timestamp >= t.LastEnterTimestamp ? ev.Timestamp - t.LastEnterTimestamp : 0;
        }

        if (type == t.LastEventType + 1)
        {
            t.LastEventDataValid = true;
        }
        else
        {
            t.LastEventDataValid = false;
            if (t.LastEventType != Ppme.TracerE)
            {
                return;
            }
        }

        if ((flags & EventFlags.UsesFd) != 0)
        {
            if (type == Ppme.CopyFileRangeX)
            {
                t.LastEventFd = Params.I64(ev, 1);
            }

            _evtFd = Threads.GetFd(t, t.LastEventFd);
            if (_evtFd is { CloseCanceled: true } canceled)
            {
                canceled.CloseCanceled = false;
                if (Threads.GetFd(t, CanceledFd) is not null)
                {
                    EraseFd(t, CanceledFd);
                }
            }
        }
    }

    private void StoreEnter(in RawEvent ev)
    {
        ThreadInfo? t = Thread;
        if (t is null)
        {
            return;
        }

        byte[]? buffer = t.LastEnterBuffer;
        t.LastEnter = ev.Detach(ref buffer);
        t.LastEnterBuffer = buffer;
        t.HasLastEnter = true;
    }

    /// <summary>The stored enter event matching this exit, as sinsp's retrieve_enter_event.</summary>
    private bool RetrieveEnter(in RawEvent exit, out RawEvent enter)
    {
        enter = default;
        ThreadInfo? t = Thread;
        if (t is null || !t.LastEventDataValid || !t.HasLastEnter)
        {
            return false;
        }

        enter = t.LastEnter;
        if (enter.Type != exit.Type - 1)
        {
            t.LastEventDataValid = false;
            return false;
        }

        return true;
    }

    /// <summary>The table key sinsp parks an fd under while a close of its number is pending.</summary>
    internal const long CanceledFd = long.MaxValue;

    /// <summary>sinsp's fdtable add: <paramref name="info"/> must be an entry of its own (callers clone shared ones).</summary>
    private void AddFd(ThreadInfo t, long fd, FdInfo info)
    {
        Dictionary<long, FdInfo> table = Threads.FdTableOf(t);
        if (table.TryGetValue(fd, out FdInfo? existing) && existing.CloseInProgress)
        {
            // A new fd took the number of one whose close has not returned yet: that close
            // must remove the old entry, not this one.
            info.CloseInProgress = false;
            info.CloseCanceled = true;
            table[CanceledFd] = existing;
        }

        table[fd] = info;
        _evtFd = info;
    }

    /// <summary>Replaces the event's fd entry (entries are immutable) in the thread's table.</summary>
    private void UpdateEventFd(FdInfo updated)
    {
        if (Thread is { } t && _evtFd is { } old)
        {
            Dictionary<long, FdInfo> table = Threads.FdTableOf(t);
            if (table.TryGetValue(t.LastEventFd, out FdInfo? current) && ReferenceEquals(current, old))
            {
                table[t.LastEventFd] = updated;
            }
        }

        _evtFd = updated;
    }

    private void EraseFd(ThreadInfo t, long fd)
    {
        _tidOfFdsToRemove = t.Tid;
        _fdsToRemove.Add(fd);
    }
}
