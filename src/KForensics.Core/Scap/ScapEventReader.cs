using System.Diagnostics.CodeAnalysis;
using KForensics.Core.Scap.Fields;
using KForensics.Core.Scap.Format;
using KForensics.Core.Scap.Reading;
using KForensics.Core.Scap.State;

namespace KForensics.Core.Scap;

/// <summary>
/// Reads a capture as <see cref="ScapEvent"/>s, in file order, tracking state as sysdig does.
/// By default only the events sysdig 0.29.3 prints are returned (see <see cref="IncludeHidden"/>).
/// </summary>
public sealed class ScapEventReader : IDisposable
{
    private readonly ScapBlockReader _blocks;
    private readonly EventArena _arena = new();
    private readonly int[]?[] _fdParams = new int[]?[ushort.MaxValue + 1];
    private readonly int[]?[] _pidParams = new int[]?[ushort.MaxValue + 1];
    private ulong _number;
    private bool _sawFirstEvent;
    private ulong _firstTimestamp;
    private Func<ScapFilterContext, bool>? _filter;
    private Func<bool>? _evaluate;
    private ScapFilterContext? _context;

    /// <summary>Compressed captures at least this large are decompressed on a second thread while the reader parses.</summary>
    public const long InflateAheadThreshold = 1 << 20;

    /// <param name="stream">The capture (plain or gzip, detected by content); the reader owns it.</param>
    /// <param name="source">The capture's name, for events and errors.</param>
    public ScapEventReader(Stream stream, string source)
        : this(stream, source, stream is not null && stream.CanSeek && stream.Length >= InflateAheadThreshold)
    {
    }

    /// <param name="stream">The capture (plain or gzip, detected by content); the reader owns it.</param>
    /// <param name="source">The capture's name, for events and errors.</param>
    /// <param name="inflateAhead">For a gzip capture: decompress on a second thread (events and errors are the same either way).</param>
    internal ScapEventReader(Stream stream, string source, bool inflateAhead)
    {
        Source = source;
        _stream = stream;
        _blocks = new ScapBlockReader(stream, source, State, inflateAhead);
    }

    private readonly Stream _stream;

    /// <summary>
    /// How far into the capture's stream the reader has come (compressed bytes for .gz), for progress; 0 for a stream
    /// that cannot tell. Read ahead of the events returned so far.
    /// </summary>
    public long BytesRead => _stream.CanSeek ? _stream.Position : 0;

    /// <summary>The capture's name as events report it in <see cref="ScapEvent.Source"/>.</summary>
    public string Source { get; }

    /// <summary>
    /// Also return the events sysdig hides unless run with -D (internal and state-only events), and
    /// the events of types sysdig 0.29.3 does not know (newer captures), which it drops.
    /// </summary>
    public bool IncludeHidden { get; init; }

    /// <summary>
    /// A compiled filter (<see cref="ScapFieldBinder.Compile"/>), run where sysdig runs its filter: inside
    /// the parser (see <see cref="Inspector.Process(in RawEvent, EventInfo, Func{bool})"/>), so its verdicts
    /// change the state later events see exactly as in sysdig, and the events it selects are those sysdig
    /// selects. Events that fail it are skipped before any object is built for them; hidden events never match.
    /// </summary>
    public Func<ScapFilterContext, bool>? Filter
    {
        get => _filter;
        init
        {
            _filter = value;
            _evaluate = value is null ? null : () => value(Context);
        }
    }

    /// <summary>
    /// Sees each event after it was parsed (and after <see cref="Filter"/> selected it), and changes
    /// nothing: the views observe captures through it. An event is returned only when it answers true.
    /// </summary>
    public Func<ScapFilterContext, bool>? Observer { get; init; }

    /// <summary>
    /// The observer also sees the hidden events a chisel gets (internal ones, and those sysdig's parser
    /// drops, marked <see cref="ScapFilterContext.Dropped"/>), flagged <see cref="ScapFilterContext.Hidden"/>;
    /// they are still never returned. Events sysdig never reads (unknown types, the container
    /// descriptions it consumes while opening the file) stay out.
    /// </summary>
    public bool ObserverSeesHidden { get; init; }

    /// <summary>What the filter and the observer see of the current event; one per reader, refilled per event.</summary>
    /// <summary>
    /// Fields to print for every event read (name → display text, from <see cref="ScapFieldBinder.BindText(string)"/>):
    /// evaluated when the event is read, with the state it saw, into <see cref="ScapEvent.Fields"/>.
    /// </summary>
    public IReadOnlyList<KeyValuePair<string, Func<ScapFilterContext, string?>>>? Fields { get; init; }

    private ScapFilterContext Context => _context ??= new ScapFilterContext(State) { SnapshotFactory = (r, i) => Snapshot(r, i) };

    /// <summary>The state tables (threads, fds, containers, users) as of the last event read.</summary>
    internal Inspector State { get; } = new();

    public ushort MajorVersion => _blocks.MajorVersion;

    public ushort MinorVersion => _blocks.MinorVersion;

    public bool IsGzip => _blocks.IsGzip;

    /// <summary>The capture is decompressed on a second thread while this one parses.</summary>
    internal bool InflatesAhead => _blocks.InflatesAhead;

    /// <summary>Opens a capture file (plain or gzip, detected by content).</summary>
    public static ScapEventReader Open(string path, bool includeHidden = false, Func<ScapFilterContext, bool>? filter = null)
        => Open(path, includeHidden, filter, null);

    /// <summary>Opens a capture file that also evaluates <paramref name="fields"/> for every event (see <see cref="Fields"/>).</summary>
    public static ScapEventReader Open(string path, bool includeHidden, Func<ScapFilterContext, bool>? filter,
        IReadOnlyList<KeyValuePair<string, Func<ScapFilterContext, string?>>>? fields)
    {
        FileStream stream = OpenFile(path);
        try
        {
            return new ScapEventReader(stream, path) { IncludeHidden = includeHidden, Filter = filter, Fields = fields };
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>Opens a capture file for sequential reading; a file that cannot be opened is a ReadFailed <see cref="ScapFormatException"/>.</summary>
    internal static FileStream OpenFile(string path)
    {
        try
        {
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ScapFormatException(ScapErrorKind.ReadFailed, path, 0, 0, ex.Message, ex);
        }
    }

    /// <summary>The next event; false at the end. Throws <see cref="ScapFormatException"/> at damage, after every event before it.</summary>
    public bool TryRead([NotNullWhen(true)] out ScapEvent? result)
    {
        while (_blocks.ReadEvent(out RawEvent raw, out EventInfo info))
        {
            // sysdig numbers only the events its own table knows; newer ones share the previous number.
            if (info.IsSysdigKnown)
            {
                _number++;
            }

            if (_firstTimestamp == 0 && info.IsSysdigKnown && info.Id is not (EventIds.ContainerJsonE or EventIds.ContainerJson2E))
            {
                // evt.reltime counts from the first event sysdig 0.29.3 reads that is not a container JSON description
                // (events of newer types never reach it; one with time 0 leaves the start unset).
                _firstTimestamp = raw.Timestamp;
            }

            // In the parser, the filter runs on every event sysdig's table knows, hidden ones included,
            // since rejecting them changes the state later events see.
            bool pass = true;
            if (_filter is not null && info.IsSysdigKnown)
            {
                Context.Set(raw, info, _number, _firstTimestamp);
                pass = State.Process(raw, info, _evaluate);
            }
            else
            {
                State.Process(raw, info);
            }

            bool hidden = IsHidden(raw, info, out bool unread);
            bool selecting = _filter is not null || Observer is not null;
            if (hidden && (!IncludeHidden || selecting))
            {
                if (ObserverSeesHidden && Observer is not null && pass && !unread)
                {
                    bool dropped = (raw.BlockFlags & BlockTypes.StateOnlyFlag) != 0 || State.FilteredOut;
                    Context.Set(raw, info, _number, _firstTimestamp, hidden: true, dropped);
                    Observer(Context);
                }

                continue;
            }

            if (pass && Observer is not null)
            {
                Context.Set(raw, info, _number, _firstTimestamp);
                pass = Observer(Context);
            }

            if (!pass)
            {
                continue;
            }

            PodInfo? pod = State.K8s.HasState && State.Thread is { ContainerId.Length: > 0 } t ? State.K8s.FindByContainer(t.ContainerId) : null;
            result = new ScapEvent(_number, raw, _arena.Store(raw), info, State.Thread, State.Container, pod, State.FdName,
                Snapshot(raw, info), hidden, Source);
            if (Fields is { Count: > 0 } fields)
            {
                Context.Set(raw, info, _number, _firstTimestamp, hidden);
                var values = new Dictionary<string, string?>(fields.Count, StringComparer.Ordinal);
                foreach ((string name, Func<ScapFilterContext, string?> text) in fields)
                {
                    values[name] = text(Context);
                }

                result.Fields = values;
            }

            return true;
        }

        result = null;
        return false;
    }

    /// <summary>Every remaining event, stopping between events when <paramref name="cancellationToken"/> fires.</summary>
    public IEnumerable<ScapEvent> ReadAll(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested && TryRead(out ScapEvent? ev))
        {
            yield return ev;
        }

        cancellationToken.ThrowIfCancellationRequested();
    }

    /// <summary>
    /// What sysdig 0.29.3 does not print without -D: internal events, state-only records, events
    /// its parser filtered out, the container events that describe the containers before the first
    /// real event (writers put them at the start of a file), and events its table does not know.
    /// <paramref name="unread"/>: sysdig never reads it at all (unknown types, container descriptions
    /// before the first event); its chisels still see the other hidden ones.
    /// </summary>
    private bool IsHidden(in RawEvent raw, EventInfo info, out bool unread)
    {
        bool containerEvent = info.Id is EventIds.ContainerJsonE or EventIds.ContainerJson2E;
        bool beforeFirst = containerEvent && !_sawFirstEvent;
        if (!containerEvent && info.IsSysdigKnown)
        {
            _sawFirstEvent = true;
        }

        unread = !info.IsSysdigKnown || beforeFirst;
        return !info.IsSysdigKnown
            || ((int)info.SysdigCategory & (int)EventCategory.Internal) != 0
            || (raw.BlockFlags & BlockTypes.StateOnlyFlag) != 0
            || State.FilteredOut
            || beforeFirst;
    }

    private EventSnapshot Snapshot(in RawEvent raw, EventInfo info)
    {
        IReadOnlyList<ParamInfo> table = info.IsSysdigKnown ? info.SysdigParams : info.Params;
        SnapshotExtra? extra = null;

        // Names of the threads pid parameters point at are printed whether or not the event has a thread.
        long pid0 = long.MinValue;
        string? comm0 = null;
        int[] pidParams = _pidParams[info.Id] ??= ParamsOfType(table, ParamType.Pid, ParamType.Pid32, ParamType.None);
        foreach (int index in pidParams)
        {
            if (index < raw.ParamCount && raw.GetParam(index) is { Length: >= 4 } p)
            {
                long pid = Params.I64(p);
                if (State.Threads.Find(pid) is { } t)
                {
                    if (comm0 is null)
                    {
                        (pid0, comm0) = (pid, t.Image.Comm);
                    }
                    else
                    {
                        ((extra ??= new SnapshotExtra()).Threads ??= []).Add((pid, t.Image.Comm));
                    }
                }
            }
        }

        ThreadInfo? thread = State.Thread;
        if (thread is null)
        {
            return comm0 is null ? EventSnapshot.NoThread : new EventSnapshot(false, null, long.MinValue, null, pid0, comm0, extra, State.Users);
        }

        Dictionary<long, FdInfo>? fds = State.Threads.PeekFdTable(thread);
        long fd0 = long.MinValue;
        FdInfo? info0 = null;
        bool first = true;
        int[] fdParams = _fdParams[info.Id] ??= ParamsOfType(table, ParamType.Fd, ParamType.Fd32, ParamType.FdList);
        foreach (int index in fdParams)
        {
            if (index >= raw.ParamCount)
            {
                break;
            }

            ReadOnlySpan<byte> p = raw.GetParam(index);
            if (table[index].Type == ParamType.FdList)
            {
                for (int j = 0, count = Params.FdListCount(p); j < count; j++)
                {
                    Keep(Params.FdListFd(p, j));
                }
            }
            else
            {
                Keep(p.Length >= 8 ? BitConverter.ToInt64(p) : p.Length >= 4 ? BitConverter.ToInt32(p) : long.MinValue);
            }
        }

        return new EventSnapshot(true, State.Threads.PeekCwd(thread), fd0, info0, pid0, comm0, extra, State.Users);

        void Keep(long fd)
        {
            FdInfo? entry = fd >= 0 && fds is not null && fds.TryGetValue(fd, out FdInfo? e) ? e : null;
            if (first)
            {
                (fd0, info0, first) = (fd, entry, false);
            }
            else
            {
                ((extra ??= new SnapshotExtra()).Fds ??= []).Add((fd, entry));
            }
        }
    }

    private static int[] ParamsOfType(IReadOnlyList<ParamInfo> table, ParamType a, ParamType b, ParamType c)
    {
        var indexes = new List<int>();
        for (int i = 0; i < table.Count; i++)
        {
            if (table[i].Type == a || table[i].Type == b || (c != ParamType.None && table[i].Type == c))
            {
                indexes.Add(i);
            }
        }

        return indexes.ToArray();
    }

    public void Dispose() => _blocks.Dispose();
}
